import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { LookupSlotLimits, LookupSlots, TooManyRecordingsLookupsException } from './lookup-slots';

/** Lookups of a camera's recordings one user may make per window (a timeline asks a few a minute). */
export const RECORDINGS_LOOKUP_LIMIT = 60;
const WINDOW_MS = 60_000;
/** Scans running at once and waiting for a slot (see LookupSlots). */
export const RECORDINGS_LOOKUP_SLOTS: LookupSlotLimits = { perRequester: 2, total: 4, queuedPerRequester: 4, queuedTotal: 16, maxWaitMs: 10_000 };
/** An answer is shared by identical lookups within this long: a timeline's refreshes cost one scan. */
const ANSWER_KEPT_MS = 10_000;
const ANSWERS_KEPT = 500;

/**
 * The brake on the recordings route, whose week-long window walks a folder per hour and reads
 * headers (a week of three cameras is tens of thousands of stat calls on the libuv pool that
 * segment serving uses too): identical lookups share one answer (in flight, and for a few
 * seconds after), and each user (or address) makes at most RECORDINGS_LOOKUP_LIMIT a minute,
 * counted on @nestjs/throttler's storage.
 */
@Injectable()
export class RecordingsLookupLimiter implements OnApplicationShutdown {
  private readonly storage = new ThrottlerStorageService();
  private readonly answers = new Map<string, { expiresAt: number; answer: Promise<unknown> }>();
  private readonly slots = new LookupSlots(RECORDINGS_LOOKUP_SLOTS);

  /** `lookup`'s answer for `key`, shared with identical lookups; 429 past the requester's limit. */
  async run<T>(requester: string, key: string, lookup: () => Promise<T>, now = Date.now()): Promise<T> {
    const shared = this.answers.get(key);
    if (shared && shared.expiresAt > now) return shared.answer as Promise<T>;
    const record = await this.storage.increment(requester, WINDOW_MS, RECORDINGS_LOOKUP_LIMIT, WINDOW_MS, 'recordings-lookup');
    if (record.isBlocked)
      throw new TooManyRecordingsLookupsException(Math.max(1, record.timeToBlockExpire), `at most ${RECORDINGS_LOOKUP_LIMIT} a minute per user`);
    // Another identical lookup may have started while this one was counted.
    const started = this.answers.get(key);
    if (started && started.expiresAt > now) return started.answer as Promise<T>;
    // A free slot is taken without a pause, so identical lookups arriving together find this one's answer.
    let release = this.slots.tryAcquire(requester);
    if (!release) {
      release = await this.slots.acquire(requester);
      // An identical lookup may have started while this one waited in line: join it.
      const startedMeanwhile = this.answers.get(key);
      if (startedMeanwhile && startedMeanwhile.expiresAt > now) {
        release();
        return startedMeanwhile.answer as Promise<T>;
      }
    }
    // A lookup that throws before its first await still gives its slot back.
    const answer = new Promise<T>((resolve) => resolve(lookup()));
    const free = release;
    answer.then(free, free);
    if (this.answers.size >= ANSWERS_KEPT) {
      for (const [kept, entry] of this.answers) if (entry.expiresAt <= now) this.answers.delete(kept);
      if (this.answers.size >= ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value as string);
    }
    this.answers.set(key, { expiresAt: now + ANSWER_KEPT_MS, answer });
    // A failed lookup is not kept: the next one tries again.
    answer.catch(() => this.answers.get(key)?.answer === answer && this.answers.delete(key));
    return answer;
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }
}
