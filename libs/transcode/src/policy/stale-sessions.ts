/** What the stale-session rule needs to know of a session. */
export interface SessionActivity {
  id: string;
  /** Epoch ms of the last create, playlist or segment request. */
  lastAccessAt: number;
}

/**
 * Pure: sessions idle for longer than the TTL. Only the last request counts, not file times:
 * a session whose ffmpeg finished long ago but is still being watched is not stale.
 */
export function findStaleSessions<T extends SessionActivity>(sessions: Iterable<T>, nowMs: number, ttlMs: number): T[] {
  return [...sessions].filter((session) => nowMs - session.lastAccessAt > ttlMs);
}
