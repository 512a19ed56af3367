import { HttpException, HttpStatus } from '@nestjs/common';
import { HeaderCarryingException } from '@app/common';

export interface LookupSlotLimits {
  /** Scans one requester runs at once (callers known only by address are held by `total` alone). */
  perRequester: number;
  /** Scans running at once in all. */
  total: number;
  /** Lookups of one requester waiting for a slot; beyond, a 429 at once. */
  queuedPerRequester: number;
  /** Lookups waiting in all. */
  queuedTotal: number;
  /** The longest a lookup waits for a slot before its 429. */
  maxWaitMs: number;
}

/**
 * Scans running at once, per user and in all, so they never crowd out segment serving's share
 * of the main thread and the libuv pool: a timeline that asks a few lookups together has them
 * run in turn (a short line), a client that opens many connections gets its few and the rest a
 * 429 at once. Users are told apart by `requester`; an `ip:` requester (anyone behind a reverse
 * proxy shares its address) is held by the limits in all only.
 */
export class LookupSlots {
  private running = 0;
  private readonly runningBy = new Map<string, number>();
  private readonly line: { requester: string; grant: (release: () => void) => void }[] = [];

  constructor(readonly limits: LookupSlotLimits) {}

  /** A slot now (its release), or null when none is free. */
  tryAcquire(requester: string): (() => void) | null {
    return this.canRun(requester) ? this.occupy(requester) : null;
  }

  /** A slot, at once or after a wait in line; the function it gives back frees it. */
  acquire(requester: string): Promise<() => void> {
    if (this.canRun(requester)) return Promise.resolve(this.occupy(requester));
    const queued = this.line.filter((waiter) => waiter.requester === requester).length;
    if (this.line.length >= this.limits.queuedTotal || (!isAddress(requester) && queued >= this.limits.queuedPerRequester)) {
      return Promise.reject(new TooManyRecordingsLookupsException(1, this.reasonFor(requester)));
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        requester,
        grant: (release: () => void) => {
          clearTimeout(timer);
          resolve(release);
        },
      };
      const timer = setTimeout(() => {
        this.line.splice(this.line.indexOf(waiter), 1);
        reject(new TooManyRecordingsLookupsException(1, this.reasonFor(requester)));
      }, this.limits.maxWaitMs);
      this.line.push(waiter);
    });
  }

  private canRun(requester: string): boolean {
    if (this.running >= this.limits.total) return false;
    return isAddress(requester) || (this.runningBy.get(requester) ?? 0) < this.limits.perRequester;
  }

  private occupy(requester: string): () => void {
    this.running += 1;
    this.runningBy.set(requester, (this.runningBy.get(requester) ?? 0) + 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.running -= 1;
      const left = (this.runningBy.get(requester) ?? 1) - 1;
      if (left > 0) this.runningBy.set(requester, left);
      else this.runningBy.delete(requester);
      this.grantNext();
    };
  }

  /** The first in line who may run now gets the slot, taken for them before they hear of it. */
  private grantNext(): void {
    const next = this.line.findIndex((waiter) => this.canRun(waiter.requester));
    if (next < 0) return;
    const [waiter] = this.line.splice(next, 1);
    waiter.grant(this.occupy(waiter.requester));
  }

  private reasonFor(requester: string): string {
    return isAddress(requester) ? `at most ${this.limits.total} at once` : `at most ${this.limits.perRequester} at once per user`;
  }
}

function isAddress(requester: string): boolean {
  return requester.startsWith('ip:');
}

export class TooManyRecordingsLookupsException extends HttpException implements HeaderCarryingException {
  readonly responseHeaders: Record<string, string>;

  constructor(retryAfterSeconds: number, reason: string) {
    super({ success: false, message: `Too many recordings lookups: ${reason}; retry in ${retryAfterSeconds} s` }, HttpStatus.TOO_MANY_REQUESTS);
    this.responseHeaders = { 'Retry-After': String(retryAfterSeconds) };
  }
}
