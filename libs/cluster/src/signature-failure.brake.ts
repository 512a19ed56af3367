/** How the internal port slows down an address that sends wrong signatures. */
export interface SignatureBrakeLimits {
  /** Wrong signatures an address may send before it is braked (a misconfigured peer's first few). */
  freeFailures: number;
  /** The first pause after them; each further wrong signature doubles it. */
  firstPauseMs: number;
  /** The longest pause. */
  maxPauseMs: number;
  /** An address with no wrong signature for this long starts afresh. */
  forgetAfterMs: number;
  /** Addresses remembered at most (the oldest is forgotten first). */
  maxAddresses: number;
}

export const DEFAULT_SIGNATURE_BRAKE_LIMITS: SignatureBrakeLimits = {
  freeFailures: 5,
  firstPauseMs: 1000,
  maxPauseMs: 60_000,
  forgetAfterMs: 10 * 60_000,
  maxAddresses: 10_000,
};

interface AddressRecord {
  failures: number;
  lastFailureAt: number;
  pausedUntil: number;
}

/**
 * Pure (the time is given): wrong signatures on the internal port, per source address. After a
 * few, the address is paused (1 s, then twice as long at every further one, up to a minute), and
 * while paused its requests are refused before their signature is checked, so a guesser learns
 * nothing from them and gets one guess a pause. A real node never sends a wrong signature (its
 * key is derived from the shared secret), so it is never paused unless it shares an address with
 * whoever guesses.
 */
export class SignatureFailureBrake {
  /** In the order they last failed (Map keeps it): the first is the one to forget when full. */
  private readonly records = new Map<string, AddressRecord>();

  constructor(private readonly limits: SignatureBrakeLimits = DEFAULT_SIGNATURE_BRAKE_LIMITS) {}

  /** Milliseconds until `address` may be heard again; 0 when it may now. */
  pausedFor(address: string, now: number): number {
    const record = this.records.get(address);
    return record ? Math.max(0, record.pausedUntil - now) : 0;
  }

  /** `address` sent a wrong signature: counts it, and pauses the address past the free ones. */
  noteFailure(address: string, now: number): void {
    const known = this.records.get(address);
    const record = known && now - known.lastFailureAt < this.limits.forgetAfterMs ? known : { failures: 0, lastFailureAt: now, pausedUntil: 0 };
    record.failures += 1;
    record.lastFailureAt = now;
    const over = record.failures - this.limits.freeFailures;
    if (over > 0) record.pausedUntil = now + Math.min(this.limits.maxPauseMs, this.limits.firstPauseMs * 2 ** Math.min(over - 1, 30));
    this.records.delete(address);
    this.records.set(address, record);
    if (this.records.size > this.limits.maxAddresses) this.records.delete(this.records.keys().next().value as string);
  }

  get size(): number {
    return this.records.size;
  }
}
