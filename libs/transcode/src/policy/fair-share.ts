/**
 * The share of the encoder slots (MAX_CONCURRENT_TRANSCODES) and of the process slots
 * (MAX_FFMPEG_PROCESSES) one user may hold while others wait (MAX_USER_SHARE). Half: two users
 * always have room side by side, and one user alone still has every slot (a free slot is anyone's).
 */
export const DEFAULT_MAX_USER_SHARE = 0.5;

/** Pure: the slots one user may hold while others wait: `share` of `capacity`, rounded down, at least one. */
export function fairShareSlots(capacity: number, share: number): number {
  // (The epsilon keeps 0.3 × 10 from rounding down to 2.)
  return Math.max(1, Math.floor(capacity * share + 1e-9));
}

/**
 * Pure: how many slots each user holds, from the owner of each held slot. Slots of nobody known
 * (a session taken over from a dead node has no known creator) are not anyone's holding.
 */
export function holdingsOf(owners: Iterable<string | undefined>): Map<string, number> {
  const held = new Map<string, number>();
  for (const owner of owners) if (owner !== undefined) held.set(owner, (held.get(owner) ?? 0) + 1);
  return held;
}

/**
 * Pure: whether `requester` may start a new session while the creators of the sessions encoding
 * (`holders`, one entry per session) hold the encoder slots. A free slot is anyone's, so one user
 * alone uses them all. With none free, a user under their share may still start one when other
 * users hold more than theirs: what a user holds beyond their share does not count against the
 * others (it stops counting as that user's sessions pause or end, and the process cap, which
 * is hard, takes that user's runs first). A user at or over their share, or nobody known, waits.
 */
export function mayTakeEncoderSlot(holders: readonly (string | undefined)[], requester: string | undefined, capacity: number, shareSlots: number): boolean {
  if (holders.length < capacity) return true;
  if (requester === undefined) return false;
  const held = holdingsOf(holders);
  const mine = held.get(requester) ?? 0;
  if (mine >= shareSlots) return false;
  let counted = mine + holders.filter((owner) => owner === undefined).length;
  for (const [owner, count] of held) if (owner !== requester) counted += Math.min(count, shareSlots);
  return counted < capacity;
}
