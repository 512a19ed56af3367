import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** A run of a session, as its files in the session's folder show it. */
export interface SessionRun {
  /** The run's number (`r<run>_<index>.ts`): 1 is the session's first run. */
  run: number;
  /** The lowest segment it wrote: where it started. */
  firstSegment: number;
}

/** The runs that wrote segments into a session's folder under TRANSCODE_DIR, in the order they started. */
export async function runsOfSession(transcodeDir: string, sessionId: string): Promise<SessionRun[]> {
  const firstByRun = new Map<number, number>();
  for (const name of await readdir(join(transcodeDir, sessionId)).catch(() => [] as string[])) {
    const match = /^r(\d+)_(\d{5})\.ts$/.exec(name);
    if (!match) continue;
    const [run, index] = [Number(match[1]), Number(match[2])];
    firstByRun.set(run, Math.min(index, firstByRun.get(run) ?? index));
  }
  return [...firstByRun].sort(([a], [b]) => a - b).map(([run, firstSegment]) => ({ run, firstSegment }));
}
