import { HttpException, HttpStatus, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { HeaderCarryingException } from '@app/common';

/** Lookups of a camera's recordings one user may make per window (a timeline asks a few a minute). */
export const RECORDINGS_LOOKUP_LIMIT = 60;
const WINDOW_MS = 60_000;
/**
 * Scans running at once, per user and in all: a client that opens many connections gets its
 * few, and the rest a 429 at once, so the scans never crowd out segment serving's share of the
 * main thread and the libuv pool (its rate alone, counted as lookups start, lets one user keep
 * many long scans running).
 */
export const RECORDINGS_LOOKUPS_IN_FLIGHT_PER_USER = 2;
export const RECORDINGS_LOOKUPS_IN_FLIGHT = 4;
/** An answer is shared by identical lookups within this long: a timeline's refreshes cost one scan. */
const ANSWER_KEPT_MS = 10_000;
const ANSWERS_KEPT = 500;

export class TooManyRecordingsLookupsException extends HttpException implements HeaderCarryingException {
  readonly responseHeaders: Record<string, string>;

  constructor(retryAfterSeconds: number, reason = `at most ${RECORDINGS_LOOKUP_LIMIT} a minute per user`) {
    super({ success: false, message: `Too many recordings lookups: ${reason}; retry in ${retryAfterSeconds} s` }, HttpStatus.TOO_MANY_REQUESTS);
    this.responseHeaders = { 'Retry-After': String(retryAfterSeconds) };
  }
}

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
  private readonly inFlightBy = new Map<string, number>();
  private inFlight = 0;

  /** `lookup`'s answer for `key`, shared with identical lookups; 429 past the requester's limit. */
  async run<T>(requester: string, key: string, lookup: () => Promise<T>, now = Date.now()): Promise<T> {
    const shared = this.answers.get(key);
    if (shared && shared.expiresAt > now) return shared.answer as Promise<T>;
    const record = await this.storage.increment(requester, WINDOW_MS, RECORDINGS_LOOKUP_LIMIT, WINDOW_MS, 'recordings-lookup');
    if (record.isBlocked) throw new TooManyRecordingsLookupsException(Math.max(1, record.timeToBlockExpire));
    // Another identical lookup may have started while this one was counted.
    const started = this.answers.get(key);
    if (started && started.expiresAt > now) return started.answer as Promise<T>;
    // From here to the scan's start nothing is awaited: lookups arriving together cannot all take the last slot.
    const release = this.takeSlot(requester);
    // A lookup that throws before its first await still gives its slot back.
    const answer = new Promise<T>((resolve) => resolve(lookup()));
    answer.then(release, release);
    if (this.answers.size >= ANSWERS_KEPT) {
      for (const [kept, entry] of this.answers) if (entry.expiresAt <= now) this.answers.delete(kept);
      if (this.answers.size >= ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value as string);
    }
    this.answers.set(key, { expiresAt: now + ANSWER_KEPT_MS, answer });
    // A failed lookup is not kept: the next one tries again.
    answer.catch(() => this.answers.get(key)?.answer === answer && this.answers.delete(key));
    return answer;
  }

  /** One of the requester's scans in flight, or a 429 when they (or everyone) have as many as allowed; the returned function gives it back. */
  private takeSlot(requester: string): () => void {
    const mine = this.inFlightBy.get(requester) ?? 0;
    // Callers known only by address are not capped one by one: behind a reverse proxy they all
    // share its address, and two lookups at once would be everybody's. The cap in all holds them.
    if (mine >= RECORDINGS_LOOKUPS_IN_FLIGHT_PER_USER && !requester.startsWith('ip:')) {
      throw new TooManyRecordingsLookupsException(1, `at most ${RECORDINGS_LOOKUPS_IN_FLIGHT_PER_USER} at once per user`);
    }
    if (this.inFlight >= RECORDINGS_LOOKUPS_IN_FLIGHT) throw new TooManyRecordingsLookupsException(1, `at most ${RECORDINGS_LOOKUPS_IN_FLIGHT} at once`);
    this.inFlight += 1;
    this.inFlightBy.set(requester, mine + 1);
    return () => {
      this.inFlight -= 1;
      const left = (this.inFlightBy.get(requester) ?? 1) - 1;
      if (left > 0) this.inFlightBy.set(requester, left);
      else this.inFlightBy.delete(requester);
    };
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }
}
