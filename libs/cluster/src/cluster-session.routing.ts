import { HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import {
  RoutedSession,
  RoutedSessionSummary,
  SessionNotFoundException,
  SessionRouting,
  StreamFile,
  TooManyTranscodesException,
  LocalSessionRouting,
  OpenOptions,
  TranscodeEvents,
  SESSION_ENGINE,
  SessionEngine,
  routed,
  summarize,
  transcodeSessionId,
} from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { PeerNodeClient, PeerUnreachableError } from './peer-node.client';
import { placementOrder } from './placement';
import { SESSION_REGISTRY, NodeRecord, SessionRecord, SessionRegistry } from './session-registry';
import { NotOwnerException, RegistryUnavailableException, SessionOwnership } from './session-ownership';

/** Rounds of "look up, then place or take over" before giving up on a session that keeps moving. */
const MAX_ROUTING_ROUNDS = 4;
/** Peer answers that mean "look again": it does not run that session (any more), or has no room for it. */
const LOOK_AGAIN = new Set([HttpStatus.CONFLICT, HttpStatus.TOO_MANY_REQUESTS]);

/**
 * Routes the API's session requests across the cluster. A session runs on one node (its owner,
 * in the registry); any node answers for it: its own sessions from its engine, others' by
 * proxying to their owner, and a dead owner's by taking the session over (the engine restarts
 * ffmpeg at the segment asked for). A new session goes to this node, or, when it is full, to
 * the node with the most free encoder slots; 429 only when every node is full. With the
 * in-memory registry (one node) every session is local: the engine answers as it always has.
 */
@Injectable()
export class ClusterSessionRouting implements SessionRouting {
  private readonly logger = new Logger(ClusterSessionRouting.name);

  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions,
    @Inject(SESSION_REGISTRY) private readonly registry: SessionRegistry,
    @Inject(SESSION_ENGINE) private readonly engine: SessionEngine,
    private readonly peers: PeerNodeClient,
    private readonly ownership: SessionOwnership,
    private readonly events: TranscodeEvents,
    /** One node (the in-memory registry): every request is this node's engine's. */
    private readonly local: LocalSessionRouting,
  ) {}

  private get self(): string {
    return this.options.nodeId;
  }

  async open(camera: string, start: number, end: number, requester?: string, options?: OpenOptions): Promise<RoutedSession> {
    if (!this.registry.shared) return this.local.open(camera, start, end, requester, options);
    this.engine.assertRange(start, end);
    const id = transcodeSessionId(camera, start, end, options?.speed ?? 1);
    for (let round = 0; round < MAX_ROUTING_ROUNDS; round += 1) {
      // This node runs it, or is admitting it right now: join here.
      if (this.engine.localSession(id) || this.engine.isAdmitting(id)) return routed(await this.engine.open(camera, start, end, requester, options));
      const current = await this.registryCall(() => this.registry.get(id));
      if (current && current.owner === this.self) {
        const opened = await this.openHere(camera, start, end, requester, options);
        if (opened) return opened;
        continue;
      }
      const owner = current ? await this.addressOf(current.owner) : null;
      if (current && owner) {
        try {
          const joined = await this.peers.open(owner, camera, start, end, requester, options);
          this.events.publish({ type: 'request-proxied', sessionId: id });
          return joined;
        } catch (error) {
          if (isLookAgain(error)) continue;
          if (!(error instanceof PeerUnreachableError) || !error.down) throw error;
          this.logger.warn(`node ${current.owner} is down (${error.message}): placing session ${id} again`);
          const placed = await this.place(id, camera, start, end, requester, options, current.owner);
          if (placed) return placed;
          continue;
        }
      }
      // Nobody alive runs it (no record, or its owner's heartbeat expired): place it.
      const placed = await this.place(id, camera, start, end, requester, options);
      if (placed) return placed;
    }
    throw new RegistryUnavailableException('the session keeps changing node');
  }

  /**
   * Claims the session for the first node with room and starts it there. Null when another node
   * claimed it meanwhile (the caller looks again); 429 when every node is full.
   */
  private async place(
    id: string,
    camera: string,
    start: number,
    end: number,
    requester: string | undefined,
    options: OpenOptions | undefined,
    unreachableOwner?: string,
  ): Promise<RoutedSession | null> {
    for (const node of placementOrder(this.self, await this.nodes())) {
      if (node.id === this.self) {
        // This node claims it through the one protocol the internal routes use too.
        try {
          // Null: another node claimed it meanwhile (the caller looks again).
          return await this.openHere(camera, start, end, requester, options, unreachableOwner);
        } catch (error) {
          if (isLookAgain(error)) continue;
          throw error;
        }
      }
      // A peer's claim is made here, so every node placing the session at once sees it; the peer claims it again (no change) as it starts it.
      const claim = await this.registryCall(() =>
        this.registry.claim(
          { id, owner: node.id, camera, start, end, speed: options?.speed ?? 1, durationSeconds: 0, state: 'starting', lastAccessAt: Date.now() },
          unreachableOwner,
        ),
      );
      if (!claim.claimed) return null;
      try {
        return await this.peers.open(node.url, camera, start, end, requester, options);
      } catch (error) {
        // Only a claim this call made is taken back: never one its node had already.
        if (claim.changed) await this.registry.release(id, node.id).catch(() => undefined);
        // That node is full (or gone, or lost the session): the next one may have room.
        if (isLookAgain(error) || error instanceof PeerUnreachableError) continue;
        throw error;
      }
    }
    throw new TooManyTranscodesException(this.options.capacity);
  }

  /**
   * Starts (or joins) the session here; null when another live node owns it (look again).
   * `unreachableOwner`: the owner this node could not connect to, which counts as dead.
   */
  private async openHere(
    camera: string,
    start: number,
    end: number,
    requester: string | undefined,
    options: OpenOptions | undefined,
    unreachableOwner?: string,
  ): Promise<RoutedSession | null> {
    try {
      return await this.ownership.openHere({ camera, start, end }, requester, options, unreachableOwner);
    } catch (error) {
      if (error instanceof NotOwnerException) return null;
      throw error;
    }
  }

  async describe(sessionId: string): Promise<RoutedSession | null> {
    const local = this.engine.localSession(sessionId);
    if (local || !this.registry.shared) return this.local.describe(sessionId);
    // A registry that cannot be read is 503, never "no such session": callers decide access from
    // it. Read as streamFile reads it (once more just after Redis came back, while the nodes
    // write their records again), so a session that exists is not a 404 at the camera check.
    const record = await this.ownership.record(sessionId);
    return record ? { sessionId, camera: record.camera, durationSeconds: record.durationSeconds } : null;
  }

  async streamFile(sessionId: string, fileName: string, segmentQuery?: string, signal?: AbortSignal): Promise<StreamFile> {
    if (this.engine.localSession(sessionId) || !this.registry.shared) return this.local.streamFile(sessionId, fileName, segmentQuery, signal);
    for (let round = 0; round < MAX_ROUTING_ROUNDS; round += 1) {
      const record = await this.ownership.record(sessionId);
      if (!record) throw new SessionNotFoundException();
      if (record.owner === this.self) return this.adoptAndServe(record, fileName, segmentQuery, false, signal);
      const owner = await this.addressOf(record.owner);
      if (owner) {
        try {
          const file = await this.peers.streamFile(owner, sessionId, fileName, segmentQuery, signal);
          this.events.publish({ type: 'request-proxied', sessionId });
          return file;
        } catch (error) {
          if (error instanceof HttpException && error.getStatus() === HttpStatus.CONFLICT) continue;
          if (!(error instanceof PeerUnreachableError)) throw error;
          if (!error.down && !(await this.ownership.isDeadOrDies(record.owner))) throw error.asHttpError();
          this.logger.warn(`node ${record.owner} is down (${error.message}): taking session ${sessionId} over`);
          const taken = await this.ownership.takeOver(record, error.down ? record.owner : undefined);
          if (taken) return this.adoptAndServe(record, fileName, segmentQuery, taken.changed, signal);
          continue;
        }
      }
      const taken = await this.ownership.takeOver(record);
      if (taken) return this.adoptAndServe(record, fileName, segmentQuery, taken.changed, signal);
    }
    throw new RegistryUnavailableException('the session keeps changing node');
  }

  async remove(sessionId: string): Promise<void> {
    if (this.engine.localSession(sessionId) || !this.registry.shared) return this.local.remove(sessionId);
    const record = await this.registryCall(() => this.registry.get(sessionId));
    if (!record) throw new SessionNotFoundException();
    const owner = await this.addressOf(record.owner);
    if (owner) {
      try {
        return await this.peers.remove(owner, sessionId);
      } catch (error) {
        if (!(error instanceof PeerUnreachableError)) throw error;
      }
    }
    // Its node is gone: only the record is left to remove.
    await this.registryCall(() => this.registry.release(sessionId, record.owner));
  }

  async list(): Promise<RoutedSessionSummary[]> {
    if (!this.registry.shared) return this.local.list();
    const own = this.engine.list().map((session) => ({ ...summarize(session), node: this.self }));
    // Without the registry, this node's own sessions are still listed.
    const nodes = await this.registry.liveNodes().catch(() => [] as NodeRecord[]);
    const others = await Promise.all(
      nodes
        .filter((node) => node.id !== this.self)
        .map(async (node) => (await this.peers.list(node.url).catch(() => [])).map((summary) => ({ ...summary, node: node.id }))),
    );
    return [...own, ...others.flat()];
  }

  /**
   * Starts a session here that another node ran (or this node, before a restart), and serves the
   * file asked for: ffmpeg starts at it. A takeover that cannot start gives its claim back.
   */
  private async adoptAndServe(
    record: SessionRecord,
    fileName: string,
    segmentQuery: string | undefined,
    claimed: boolean,
    signal?: AbortSignal,
  ): Promise<StreamFile> {
    await this.ownership.runHere(record, claimed);
    return this.local.streamFile(record.id, fileName, segmentQuery, signal);
  }

  /** The live nodes, this node among them as its engine sees itself (even before its first beat reached Redis). */
  private async nodes(): Promise<NodeRecord[]> {
    const nodes = (await this.registryCall(() => this.registry.liveNodes())).filter((node) => node.id !== this.self);
    const self: NodeRecord = {
      id: this.self,
      url: this.options.nodeUrl ?? '',
      capacity: this.options.capacity,
      encoding: this.engine.encodingSessionIds().length,
    };
    return [self, ...nodes];
  }

  /** Where a live node answers; null when it is dead. One registry read (this is on every proxied request). */
  private addressOf(nodeId: string): Promise<string | null> {
    return this.registryCall(() => this.registry.addressOf(nodeId));
  }

  private registryCall<T>(call: () => Promise<T>): Promise<T> {
    return this.ownership.registryCall(call);
  }
}

/** The peer does not run that session (any more), or has no free encoder slot: another round may find where it goes. */
function isLookAgain(error: unknown): boolean {
  if (!(error instanceof HttpException) || !LOOK_AGAIN.has(error.getStatus())) return false;
  // A user past their rate limit is over it on every node.
  return error.getStatus() !== HttpStatus.TOO_MANY_REQUESTS || /concurrent transcodes/.test(JSON.stringify(error.getResponse()));
}
