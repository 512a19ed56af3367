/**
 * When the cluster looks at the registry once more instead of answering now. Deadlines, not
 * polling: each is the one moment the registry can have changed its answer.
 */

/** A beat lands at most this long after it is due (a busy event loop, a Redis round trip). */
export const BEAT_SLACK_MS = 250;

/**
 * A session with no record, asked for `now`: when to look once more, or null to answer 404 at
 * once. A Redis that (re)connected at `registryReadyAt` is empty until every node's next beat
 * writes its sessions back, which is at most one beat interval later; any other time, no record
 * means no session.
 */
export function lookAgainForRecordAt(registryReadyAt: number | null, now: number, beatIntervalMs: number): number | null {
  if (registryReadyAt === null) return null;
  const everyNodeHasBeaten = registryReadyAt + beatIntervalMs + BEAT_SLACK_MS;
  return now < everyNodeHasBeaten ? everyNodeHasBeaten : null;
}

/**
 * An owner that broke a connection (reset, closed) is dead only if its heartbeat runs out: the
 * moment to read it again, given what is left of it now (`heartbeatLeftMs`, null when it has
 * already expired). A node that still beats renews it before then; null means dead already.
 */
export function ownerDeadByAt(now: number, heartbeatLeftMs: number | null, nodeTimeoutMs: number): number | null {
  if (heartbeatLeftMs === null || heartbeatLeftMs <= 0) return null;
  return now + Math.min(heartbeatLeftMs, nodeTimeoutMs) + BEAT_SLACK_MS;
}

/** Heartbeats per node timeout: a node misses two before the others count it dead. */
export const BEATS_PER_TIMEOUT = 3;

export function beatIntervalMs(nodeTimeoutSeconds: number): number {
  return (nodeTimeoutSeconds * 1000) / BEATS_PER_TIMEOUT;
}
