/** A session as the registry knows it: which node runs it, and enough to take it over. */
export interface SessionRecord {
  id: string;
  /** Node id of the node that runs it. */
  owner: string;
  camera: string;
  start: number;
  end: number;
  durationSeconds: number;
  /** Playback speed of its rendition (part of its id); 1 when absent. */
  speed?: number;
  /** starting (its first segment is on its way) or active. */
  state: 'starting' | 'active';
  /** Epoch ms of the last request its owner saw. */
  lastAccessAt: number;
}

/** A live node, from its heartbeat. */
export interface NodeRecord {
  id: string;
  /** Its internal address (NODE_URL), where other nodes proxy to. */
  url: string;
  /** Encoders it may run at once (its MAX_CONCURRENT_TRANSCODES). */
  capacity: number;
  /** Encoder slots it holds now. */
  encoding: number;
}

/** What a claim ended with: the record as it stands, and whether this claim made it so. */
export interface ClaimResult {
  /** The claimant owns the session now. */
  claimed: boolean;
  /** It did not before this claim (a claim by the owner it already had changes nothing). */
  changed: boolean;
  record: SessionRecord;
}

/**
 * What the nodes of a service share: which node runs which session, which nodes are alive, and
 * the encoder slots each holds. In memory for one node (the default); in Redis for a cluster.
 */
export interface SessionRegistry {
  /** False for the in-memory registry: there is one node, and every session is its own. */
  readonly shared: boolean;
  get(sessionId: string): Promise<SessionRecord | null>;
  /**
   * Makes `record.owner` the owner, unless a live node owns the session already. `unreachable`
   * names an owner the caller could not reach (connection refused): it counts as dead even
   * before its heartbeat expires. Atomic: of two nodes claiming at once, one wins.
   */
  claim(record: SessionRecord, unreachable?: string): Promise<ClaimResult>;
  /**
   * Writes the records of sessions their owner runs (again after a registry restart) with their
   * last access, unless another node owns one now (it took the session over): the ids of those.
   */
  publish(records: readonly SessionRecord[]): Promise<string[]>;
  /** Removes the record if `owner` still owns it; true when it did. */
  release(sessionId: string, owner: string): Promise<boolean>;
  /**
   * Removes the record of a session whose owner is dead and which nobody asked for since
   * `cutoffMs`: true for the one caller that removed it (every node's cleanup may try).
   */
  removeIfStale(sessionId: string, cutoffMs: number): Promise<boolean>;
  list(): Promise<SessionRecord[]>;
  /** Announces a node as alive for `ttlSeconds`, with the sessions whose encoders it runs (its slots). */
  heartbeat(node: Omit<NodeRecord, 'encoding'>, ttlSeconds: number, encodingSessionIds: readonly string[]): Promise<void>;
  liveNodes(): Promise<NodeRecord[]>;
  /** A live node's address (NODE_URL); null when its heartbeat has expired (it is dead). */
  addressOf(nodeId: string): Promise<string | null>;
  /** Milliseconds until a node's heartbeat expires unless it beats again; null when it has (it is dead). */
  heartbeatLeftMs(nodeId: string): Promise<number | null>;
  /** Takes an encoder slot of `nodeId` for a session if it has one free; atomic. */
  acquireSlot(nodeId: string, sessionId: string, capacity: number): Promise<boolean>;
  releaseSlot(nodeId: string, sessionId: string): Promise<void>;
  /** A node stops: its heartbeat and slots go at once, so the others take its sessions over at the next request. */
  leave(nodeId: string): Promise<void>;
  /**
   * A random key every node shares, by name: made by whichever node asks first, and kept for
   * as long as the registry runs (a restarted Redis gets it back from the nodes that hold it).
   */
  sharedKey(name: string): Promise<Buffer>;
  /** Calls `listener` whenever the registry (re)connects: a restarted Redis is empty until the nodes write to it. */
  onReady(listener: () => void): void;
  close(): Promise<void>;
}

export const SESSION_REGISTRY = Symbol('SESSION_REGISTRY');
