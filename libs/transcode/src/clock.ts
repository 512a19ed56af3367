import { Injectable } from '@nestjs/common';

/** The time, and timers, behind a class so tests can move them. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }

  /** Calls `callback` once after `delayMs`; the returned function cancels it. */
  schedule(delayMs: number, callback: () => void): () => void {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  }
}
