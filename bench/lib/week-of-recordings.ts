/**
 * A week of recordings for the load script's recordings lookups, made from the demo's few
 * hours: links, not copies, so it costs directory entries only.
 */
import { linkSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const DATE_DIR = /^\d{4}-\d{2}-\d{2}$/;
const DAY_SECONDS = 86400;
export const WEEK_SECONDS = 7 * DAY_SECONDS;

export interface WeekOfRecordings {
  /** The recordings folder to point the service at. */
  dir: string;
  /** Midnight (UTC, epoch seconds) the week starts at. */
  weekStart: number;
  /** Recording files per camera in the week. */
  filesPerCamera: number;
  /** How the files were made: 'as is' when the source already held a week. */
  made: 'as is' | 'hard links' | 'symbolic links';
}

/**
 * `source` itself when it holds seven days or more; otherwise a tree in `scratch` whose every
 * hour of the seven days up to `source`'s last date holds, for each of `cameras`, that camera's
 * files of that last date, all its hours merged into one (the demo's hours are parts of one
 * hour, so their MM.SS names do not overlap). Hard links where `scratch` is on the same
 * filesystem, symbolic links otherwise (the service stats and opens files through them).
 */
export function weekOfRecordings(source: string, scratch: string, cameras: readonly string[]): WeekOfRecordings {
  const dates = readdirSync(source)
    .filter((name) => DATE_DIR.test(name))
    .sort();
  if (dates.length === 0) throw new Error(`no recordings in ${source}`);
  const last = dates[dates.length - 1];
  const lastMidnight = Date.parse(`${last}T00:00:00Z`) / 1000;
  if (dates.length >= 7) {
    const filesPerCamera = countFiles(source, dates.slice(-7), cameras[0]);
    return { dir: source, weekStart: lastMidnight - 6 * DAY_SECONDS, filesPerCamera, made: 'as is' };
  }
  const hourOf = new Map<string, Map<string, string>>(cameras.map((camera) => [camera, new Map()]));
  for (const hour of readdirSync(join(source, last)).sort()) {
    for (const camera of cameras) {
      const dir = join(source, last, hour, camera);
      for (const name of readdirOrEmpty(dir)) hourOf.get(camera)!.set(name, join(dir, name));
    }
  }
  const dir = join(scratch, 'week-of-recordings');
  const weekStart = lastMidnight - 6 * DAY_SECONDS;
  let made: WeekOfRecordings['made'] = 'hard links';
  for (let day = 0; day < 7; day += 1) {
    const date = new Date((weekStart + day * DAY_SECONDS) * 1000).toISOString().slice(0, 10);
    for (let hour = 0; hour < 24; hour += 1) {
      for (const camera of cameras) {
        const target = join(dir, date, String(hour).padStart(2, '0'), camera);
        mkdirSync(target, { recursive: true });
        for (const [name, path] of hourOf.get(camera)!) {
          if (made === 'hard links') {
            try {
              linkSync(path, join(target, name));
              continue;
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
              made = 'symbolic links';
            }
          }
          symlinkSync(path, join(target, name));
        }
      }
    }
  }
  return { dir, weekStart, filesPerCamera: 7 * 24 * hourOf.get(cameras[0])!.size, made };
}

function countFiles(source: string, dates: string[], camera: string): number {
  let count = 0;
  for (const date of dates) for (const hour of readdirOrEmpty(join(source, date))) count += readdirOrEmpty(join(source, date, hour, camera)).length;
  return count;
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
