/** How many short auxiliary processes run at once, how many may wait, and for how long. */
export interface AuxiliaryPoolLimits {
  running: number;
  waiting: number;
  maxWaitMs: number;
}

/**
 * Two at once: an ffprobe of a header or `ffmpeg -version` takes tens of milliseconds, so two
 * keep up with a cold range's fallbacks while adding at most two processes to MAX_FFMPEG_PROCESSES.
 * A line of 64 holds two ranges' worth of fallbacks (one lookup asks up to 32 at once); 15 s is
 * longer than a probe's own 10 s timeout, so a line that moves is never cut short.
 */
export const AUXILIARY_POOL_LIMITS: AuxiliaryPoolLimits = { running: 2, waiting: 64, maxWaitMs: 15_000 };

/** The pool refused a process: its line was full, or it waited too long. Callers tell it by class, not by message. */
export class AuxiliaryPoolBusyError extends Error {
  readonly code = 'AUXILIARY_POOL_BUSY';

  constructor(reason: 'line-full' | 'waited-too-long', limits: AuxiliaryPoolLimits) {
    super(
      reason === 'line-full'
        ? `auxiliary process pool busy: ${limits.running} running and ${limits.waiting} waiting`
        : `auxiliary process pool busy: no turn within ${limits.maxWaitMs} ms`,
    );
  }
}

/**
 * Short auxiliary processes (the ffprobe fallback, the health probe) run through this pool,
 * apart from the encoder runs' MAX_FFMPEG_PROCESSES: at most `running` at once, the rest in a
 * first-come line of at most `waiting`, each for at most `maxWaitMs`. A full line fails at once.
 */
export class AuxiliaryProcessPool {
  private active = 0;
  private readonly line: { start: () => void }[] = [];

  constructor(readonly limits: AuxiliaryPoolLimits = AUXILIARY_POOL_LIMITS) {}

  /** Processes running through the pool now. */
  get running(): number {
    return this.active;
  }

  /** Runs `work` when its turn comes; rejects with AuxiliaryPoolBusyError when it gets none. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.turn();
    try {
      return await work();
    } finally {
      this.active -= 1;
      // The next in line takes the place over before anyone arriving later can.
      const next = this.line.shift();
      if (next) {
        this.active += 1;
        next.start();
      }
    }
  }

  private turn(): Promise<void> {
    if (this.active < this.limits.running) {
      this.active += 1;
      return Promise.resolve();
    }
    if (this.line.length >= this.limits.waiting) return Promise.reject(new AuxiliaryPoolBusyError('line-full', this.limits));
    return new Promise((resolve, reject) => {
      const waiter = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.line.splice(this.line.indexOf(waiter), 1);
        reject(new AuxiliaryPoolBusyError('waited-too-long', this.limits));
      }, this.limits.maxWaitMs);
      timer.unref();
      this.line.push(waiter);
    });
  }
}
