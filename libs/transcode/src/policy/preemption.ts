import { holdingsOf } from './fair-share';

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
  /**
   * The user it is counted to (its session's creator, or an export's requester), for the fair
   * share; undefined when nobody is known (a session taken over from a dead node).
   */
  owner?: string;
}

/** The fair share a preemption honours. */
export interface FairShare {
  /** The user of the run that asks for a slot (undefined: nobody known). */
  requester?: string;
  /** Slots one user may hold while others wait (MAX_USER_SHARE of MAX_FFMPEG_PROCESSES). */
  slots: number;
  /** Users already promised a slot by a preemption under way: they hold it already. */
  promised?: readonly (string | undefined)[];
}

/** A run encoding ahead of its viewer may be preempted once its viewer has this many segments in hand. */
export const PREEMPTIBLE_AHEAD_SEGMENTS = 3;

/**
 * Pure: the run to preempt so that another can start, or null when none may be.
 * 1. An idle run (no request near it for `idleAfterMs`), anyone's, the one unwanted longest
 *    first: it costs nobody anything.
 * 2. A run nobody needs now, from the largest holder first: its paused runs, then its runs
 *    encoding at least PREEMPTIBLE_AHEAD_SEGMENTS ahead of their viewer, the one furthest ahead
 *    first (its viewer has the most footage in hand before it needs that run again). A
 *    requester at or over their share takes only from users who hold as many slots as they do
 *    (their own runs first): never from a user who holds fewer.
 * 3. Only for a requester under their share: a run of a user over theirs, even one needed now,
 *    from the largest holder first, the one furthest ahead of its viewer, then the one wanted
 *    longest ago. A user over their share never takes a run someone needs, and a run of nobody
 *    known is never taken while needed.
 */
export function chooseRunToPreempt(holders: readonly SlotHolderView[], now: number, idleAfterMs: number, share?: FairShare): SlotHolderView | null {
  const held = holdingsOf([...holders.map((holder) => holder.owner), ...(share?.promised ?? [])]);
  const holding = (holder: SlotHolderView) => (holder.owner === undefined ? 0 : (held.get(holder.owner) ?? 0));
  const candidates = holders.filter((holder) => !holder.needed);
  const idle = candidates.filter((holder) => now - holder.wantedAt >= idleAfterMs).sort((a, b) => a.wantedAt - b.wantedAt);
  if (idle.length) return idle[0];
  const pausedFirst = (holder: SlotHolderView) => (holder.paused ? 0 : 1);
  const mine = share?.requester === undefined ? undefined : (held.get(share.requester) ?? 0);
  const overShare = share !== undefined && mine !== undefined && mine >= share.slots;
  const unneeded = candidates
    .filter((holder) => holder.paused || holder.aheadSegments >= PREEMPTIBLE_AHEAD_SEGMENTS)
    .filter((holder) => !overShare || holder.owner === share.requester || holding(holder) >= mine)
    .sort((a, b) => holding(b) - holding(a) || pausedFirst(a) - pausedFirst(b) || b.aheadSegments - a.aheadSegments);
  if (unneeded.length) return unneeded[0];
  if (!share || mine === undefined || overShare) return null;
  const overTheirs = holders.filter((holder) => holder.owner !== undefined && holder.owner !== share.requester && holding(holder) > share.slots);
  return overTheirs.sort((a, b) => holding(b) - holding(a) || b.aheadSegments - a.aheadSegments || a.wantedAt - b.wantedAt)[0] ?? null;
}
