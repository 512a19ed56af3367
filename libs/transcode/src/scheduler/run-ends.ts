import type { ProcessExit } from '@app/ffmpeg';

/** How a run ended, kept for the message of the requests it fails. */
export interface RunEnd {
  exit?: ProcessExit;
  error?: Error;
}

/** Run ends remembered for failure messages (the requests they fail are answered at once). */
const RUN_ENDS_KEPT = 16;

/** The last few runs' ends of a session, by run id. */
export class RunEnds {
  private readonly ends = new Map<number, RunEnd>();

  remember(runId: number, end: RunEnd): void {
    this.ends.set(runId, end);
    if (this.ends.size > RUN_ENDS_KEPT) this.ends.delete(this.ends.keys().next().value!);
  }

  of(runId: number): RunEnd {
    return this.ends.get(runId) ?? {};
  }
}

/** A process exit in words, for a log line, a health report or a 502. */
export function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `could not start (${exit.spawnError})`;
  if (exit.signal) return `killed by ${exit.signal}`;
  if (exit.code === 0) return 'it produced no video from the recordings';
  return `exit code ${exit.code}`;
}

/** The last stderr lines of an exit, for a log line or a health report. */
export function formatStderr(lines: readonly string[]): string {
  const tail = lines.slice(-3);
  return tail.length ? `: ${tail.join(' | ')}` : '';
}
