import { RequestWithdrawnException } from '../transcode.exceptions';

interface PendingRequest {
  index: number;
  resolve(fileName: string): void;
  reject(error: Error): void;
}

/**
 * The requests of one session waiting for a segment, by the scheduler's waiter id: answered or
 * failed when the scheduler says so, withdrawn when their client goes away.
 */
export class SegmentWaiters {
  private readonly pending = new Map<number, PendingRequest>();
  private nextId = 1;

  /** A new waiter id (every request gets one, answered at once or not). */
  nextWaiter(): number {
    return this.nextId++;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Waits for the scheduler's answer to `waiter`. `asked` tells the scheduler (it runs once the
   * request is registered); aborting `signal` withdraws the request and calls `withdrawn`.
   */
  wait(waiter: number, index: number, signal: AbortSignal | undefined, asked: () => void, withdrawn: () => void): Promise<string> {
    if (signal?.aborted) throw new RequestWithdrawnException();
    return new Promise<string>((resolve, reject) => {
      const withdraw = () => {
        if (!this.pending.delete(waiter)) return;
        reject(new RequestWithdrawnException());
        withdrawn();
      };
      const done = () => signal?.removeEventListener('abort', withdraw);
      this.pending.set(waiter, {
        index,
        resolve: (file) => (done(), resolve(file)),
        reject: (error) => (done(), reject(error)),
      });
      signal?.addEventListener('abort', withdraw, { once: true });
      asked();
    });
  }

  /** Answers a waiter with its file (nothing when it no longer waits). */
  answer(waiter: number, fileName: string): void {
    const pending = this.pending.get(waiter);
    if (!pending) return;
    this.pending.delete(waiter);
    pending.resolve(fileName);
  }

  fail(waiter: number, error: Error): void {
    const pending = this.pending.get(waiter);
    if (!pending) return;
    this.pending.delete(waiter);
    pending.reject(error);
  }

  failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
