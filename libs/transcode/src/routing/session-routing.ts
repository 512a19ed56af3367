import type { OpenOptions, RoutedSession, RoutedSessionSummary, StreamFile } from '../model/session-views';

/**
 * Where the API's requests about sessions go: to this node's engine (one node, the default), or
 * across a cluster (another node's session is proxied to it, a dead node's taken over).
 */
export interface SessionRouting {
  /** Starts (or joins) the session of a range; resolves once its first segment is playable (see OpenOptions). */
  open(camera: string, start: number, end: number, requester?: string, options?: OpenOptions): Promise<RoutedSession>;
  /** A live session, wherever it runs; null when there is none. */
  describe(sessionId: string): Promise<RoutedSession | null>;
  /**
   * The playlist (its segment URIs carrying `segmentQuery`) or a finished segment. `signal`
   * aborts when the client goes away: a request still waiting is withdrawn.
   */
  streamFile(sessionId: string, fileName: string, segmentQuery?: string, signal?: AbortSignal): Promise<StreamFile>;
  remove(sessionId: string): Promise<void>;
  list(): Promise<RoutedSessionSummary[]>;
}

/** The SessionRouting the API uses. */
export const SESSION_ROUTING = Symbol('SESSION_ROUTING');
/** Provided (globally) by a module that routes across nodes; TranscodeModule's own routing is the fallback. */
export const CLUSTER_SESSION_ROUTING = Symbol('CLUSTER_SESSION_ROUTING');
