import { Inject, Injectable } from '@nestjs/common';
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isValidCameraName } from './camera-name';
import { DATE_DIR_REGEX, HOUR_DIR_REGEX, hourFolder, recordingLabel, recordingStartTime } from './frigate-recordings-layout';
import { LeastRecentlyUsedMap } from './least-recently-used.map';
import { RecordingHeaderIndex, attachMedia } from './recording-header.index';
import { RecordedPeriod, RecordedPeriods, RecordingFile, RecordingSource, UnreadableRecordingFile } from './recording-source.interface';
import { RECORDINGS_MODULE_OPTIONS, RecordingsModuleOptions } from './recordings.module-definition';

/** A camera list older than this is read again. */
const CAMERA_LIST_TTL_MS = 10_000;
/** Hour folders whose listing is kept for timeline lookups: three cameras' month. */
const HOUR_LISTINGS_KEPT = 3 * 31 * 24;
/** A folder changed more recently than this may hold a recording still being written: not kept. */
const SETTLED_FOLDER_MS = 60_000;

/** One hour folder of one camera, as a timeline sees it: its files in start order, with their durations. */
interface HourListing {
  /** The folder's mtime when it was listed: a file added, removed or renamed in it changes it. */
  mtimeMs: number;
  files: RecordedPeriod[];
  /** Its files that cannot be read (a listing with any is not kept: such a file may yet be finished or replaced). */
  unreadable: UnreadableRecordingFile[];
}

/** Reads Frigate's recordings folder: `<dir>/YYYY-MM-DD/HH/<camera>/MM.SS.mp4` (UTC). */
@Injectable()
export class FilesystemRecordingSource implements RecordingSource {
  private cameraList: { at: number; cameras: Promise<string[]> } | null = null;
  private readonly hourListings = new LeastRecentlyUsedMap<string, HourListing>(HOUR_LISTINGS_KEPT);

  constructor(
    @Inject(RECORDINGS_MODULE_OPTIONS) private readonly options: RecordingsModuleOptions,
    private readonly headers: RecordingHeaderIndex,
  ) {}

  listCameras(): Promise<string[]> {
    const now = Date.now();
    if (!this.cameraList || now - this.cameraList.at > CAMERA_LIST_TTL_MS) {
      this.cameraList = { at: now, cameras: this.scanCameras() };
    }
    return this.cameraList.cameras;
  }

  async findRecordings(camera: string, start: number, end: number): Promise<RecordingFile[]> {
    if (!isValidCameraName(camera)) return [];
    const candidates: { path: string; startTime: number }[] = [];
    // A file that starts in the hour before `start` can still reach into the range.
    for (let hour = Math.floor(start / 3600) - 1; hour <= Math.floor(end / 3600); hour += 1) {
      for (const candidate of await this.filesOfHour(camera, hour)) if (candidate.startTime < end) candidates.push(candidate);
    }
    candidates.sort((a, b) => a.startTime - b.startTime);
    // A file that cannot be read is left out, as a missing one is: no ffmpeg run reads it.
    const verdicts = await this.headers.verdictsOf(candidates.map((c) => c.path));
    return candidates.flatMap((candidate, index) => {
      const verdict = verdicts[index];
      if (!verdict || 'unreadable' in verdict || candidate.startTime + verdict.durationSeconds <= start) return [];
      return [{ camera, path: candidate.path, startTime: candidate.startTime, durationSeconds: verdict.durationSeconds }];
    });
  }

  /**
   * The files themselves: each covers its start plus its duration. A timeline asks for a week
   * at a time, again and again: an hour folder whose mtime has not changed since it was listed
   * is answered from that listing, so a repeated week is 168 folder stats, not a stat per file
   * (about 60,000 on the libuv pool that segment serving uses too). A new recording changes its
   * folder's mtime when it is created; Frigate then writes it in place (ffmpeg from its cache,
   * header at the front), so a listing is kept only once its folder has been still for a minute
   * and every file in it had a duration. Playback (findRecordings) still checks every file it
   * plans from. Files that cannot be read are named, by `day/hour/camera/file`, when they start
   * in the window.
   */
  async findRecordedPeriods(camera: string, after: number, before: number): Promise<RecordedPeriods> {
    const found: RecordedPeriods = { periods: [], unreadable: [] };
    if (!isValidCameraName(camera)) return found;
    // A file that starts in the hour before `after` can still reach into the range.
    for (let hour = Math.floor(after / 3600) - 1; hour <= Math.floor(before / 3600); hour += 1) {
      const listing = await this.hourListing(camera, hour);
      for (const file of listing.files) {
        if (file.startTime < before && file.startTime + file.durationSeconds > after) found.periods.push(file);
      }
      for (const file of listing.unreadable) if (file.startTime >= after && file.startTime < before) found.unreadable.push(file);
    }
    return found;
  }

  private hourDir(camera: string, hour: number): { dir: string; date: string; hh: string } {
    const [date, hh] = hourFolder(hour * 3600).split('/');
    return { dir: join(resolve(this.options.recordingsDir), date, hh, camera), date, hh };
  }

  /** The recordings named in one hour folder (the name says each one's start), in start order. */
  private async filesOfHour(camera: string, hour: number): Promise<{ path: string; startTime: number }[]> {
    const { dir, date, hh } = this.hourDir(camera, hour);
    return (await readdirOrEmpty(dir))
      .flatMap((name) => {
        const startTime = recordingStartTime(date, hh, name);
        return startTime === null ? [] : [{ path: join(dir, name), startTime }];
      })
      .sort((a, b) => a.startTime - b.startTime);
  }

  /** One hour folder's recordings with their durations, kept while the folder's mtime stays. */
  private async hourListing(camera: string, hour: number): Promise<Omit<HourListing, 'mtimeMs'>> {
    const { dir } = this.hourDir(camera, hour);
    const folder = await stat(dir).catch(() => null);
    if (!folder?.isDirectory()) return { files: [], unreadable: [] };
    const kept = this.hourListings.get(dir);
    if (kept && kept.mtimeMs === folder.mtimeMs) return kept;
    const candidates = await this.filesOfHour(camera, hour);
    const verdicts = await this.headers.verdictsOf(candidates.map((c) => c.path));
    const listing: HourListing = { mtimeMs: folder.mtimeMs, files: [], unreadable: [] };
    candidates.forEach(({ path, startTime }, index) => {
      const verdict = verdicts[index];
      if (verdict && 'unreadable' in verdict) listing.unreadable.push({ file: recordingLabel(path), startTime, ...verdict.unreadable });
      else if (verdict) listing.files.push({ startTime, durationSeconds: verdict.durationSeconds });
    });
    // A file without a duration may be one being written, which changes no folder when it ends.
    const settled = Date.now() - folder.mtimeMs > SETTLED_FOLDER_MS && listing.files.length === candidates.length;
    if (settled) this.hourListings.set(dir, listing);
    return listing;
  }

  withMedia(files: readonly RecordingFile[]): Promise<RecordingFile[]> {
    return attachMedia(this.headers, files);
  }

  async checkReadable(): Promise<void> {
    try {
      await access(this.options.recordingsDir, constants.R_OK | constants.X_OK);
    } catch {
      throw new Error(`recordings directory ${this.options.recordingsDir} is not readable`);
    }
  }

  private async scanCameras(): Promise<string[]> {
    const cameras = new Set<string>();
    const root = resolve(this.options.recordingsDir);
    for (const date of (await readdirOrEmpty(root)).filter((d) => DATE_DIR_REGEX.test(d))) {
      for (const hour of (await readdirOrEmpty(join(root, date))).filter((h) => HOUR_DIR_REGEX.test(h))) {
        for (const camera of await readdirOrEmpty(join(root, date, hour))) {
          if (isValidCameraName(camera)) cameras.add(camera);
        }
      }
    }
    return [...cameras].sort();
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
