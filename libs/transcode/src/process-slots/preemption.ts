/** What the process limit knows about one run holding a slot. */
export interface SlotHolderView {
  key: string;
  /** Someone waits for a segment this run will make, or it has not finished its first one. */
  needed: boolean;
  /** Paused (far ahead of its viewer, or left behind by a seek). */
  paused: boolean;
  /** The last time a request fell in its reach (epoch ms). */
  wantedAt: number;
  /** Finished segments ahead of its viewer. */
  aheadSegments: number;
}

/** A run encoding ahead of its viewer may be preempted once its viewer has this many segments in hand. */
export const PREEMPTIBLE_AHEAD_SEGMENTS = 3;

/**
 * Pure: the run to preempt so that another can start, or null when none may be. Only a run
 * nobody needs now is a candidate: idle ones (no request near it for `idleAfterMs`) first, the
 * one unwanted longest first; then paused ones, then ones encoding at least
 * PREEMPTIBLE_AHEAD_SEGMENTS ahead of their viewer, the one furthest ahead first (its viewer
 * has the most footage in hand before it needs that run again).
 */
export function chooseRunToPreempt(holders: readonly SlotHolderView[], now: number, idleAfterMs: number): SlotHolderView | null {
  const candidates = holders.filter((holder) => !holder.needed);
  const idle = candidates.filter((holder) => now - holder.wantedAt >= idleAfterMs).sort((a, b) => a.wantedAt - b.wantedAt);
  if (idle.length) return idle[0];
  const furthestAhead = (a: SlotHolderView, b: SlotHolderView) => b.aheadSegments - a.aheadSegments;
  const paused = candidates.filter((holder) => holder.paused).sort(furthestAhead);
  if (paused.length) return paused[0];
  return candidates.filter((holder) => holder.aheadSegments >= PREEMPTIBLE_AHEAD_SEGMENTS).sort(furthestAhead)[0] ?? null;
}
