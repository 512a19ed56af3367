import type { OpenOptions, SessionSnapshot } from '../model/session-views';
import type { PlaybackSpeed } from '../model/playback-speed';

/**
 * What the rest of a node (the cluster's routing, heartbeats and internal routes) may ask of
 * this node's engine: sessions by range and id, as snapshots (never the engine's own objects),
 * and nothing of how they run. Provided as
 * SESSION_ENGINE by TranscodeModule (TranscodeSessionService); serving a local session's files
 * goes through LocalSessionRouting.
 */
export interface SessionEngine {
  /** 400 for a range that ends before it starts or is longer than MAX_RANGE_SECONDS. */
  assertRange(start: number, end: number): void;
  /** Starts (or joins) the session of a range; resolves once its first segment is playable (see OpenOptions). */
  open(camera: string, start: number, end: number, requester?: string, options?: OpenOptions): Promise<SessionSnapshot>;
  /** Takes over the session of a range whose node died, asking for no segment (the takeover's request does). */
  adopt(camera: string, start: number, end: number, speed?: PlaybackSpeed): Promise<SessionSnapshot>;
  /** A live session of this node, or undefined. */
  localSession(sessionId: string): SessionSnapshot | undefined;
  /** Whether a new session of this id is being admitted here right now. */
  isAdmitting(sessionId: string): boolean;
  /** Sessions encoding now, and those being admitted: what this node's encoder slots hold. */
  encodingSessionIds(): string[];
  list(): SessionSnapshot[];
  remove(sessionId: string): Promise<void>;
}

export const SESSION_ENGINE = Symbol('SESSION_ENGINE');
