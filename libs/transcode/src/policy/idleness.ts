/**
 * Requests of the last this-many seconds say where viewers are. Longer than a player's pause
 * between two fetches (hls.js keeps 30 s buffered, so about a segment length), short enough
 * that a viewer's trail behind it is not taken for another viewer.
 */
export const VIEWER_POSITION_MEMORY_MS = 20_000;

/** Pure: how long a request says where a viewer is: never longer than it takes a session to be idle (IDLE_TIMEOUT_SECONDS). */
export function viewerPositionMemoryMs(idleMs: number): number {
  return Math.min(VIEWER_POSITION_MEMORY_MS, idleMs);
}
