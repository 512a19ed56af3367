import { Inject, Injectable } from '@nestjs/common';
import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isValidCameraName } from './camera-name';
import { DATE_DIR_REGEX, HOUR_DIR_REGEX, hourFolder, recordingStartTime } from './frigate-recordings-layout';
import { RecordingHeaderIndex, attachMedia } from './recording-header.index';
import { RecordedPeriod, RecordingFile, RecordingSource } from './recording-source.interface';
import { RECORDINGS_MODULE_OPTIONS, RecordingsModuleOptions } from './recordings.module-definition';

/** A camera list older than this is read again. */
const CAMERA_LIST_TTL_MS = 10_000;

/** Reads Frigate's recordings folder: `<dir>/YYYY-MM-DD/HH/<camera>/MM.SS.mp4` (UTC). */
@Injectable()
export class FilesystemRecordingSource implements RecordingSource {
  private cameraList: { at: number; cameras: Promise<string[]> } | null = null;

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
    // A file that starts in the hour before `start` can still reach into the range.
    const firstHour = Math.floor(start / 3600) - 1;
    const lastHour = Math.floor(end / 3600);
    const candidates: { path: string; startTime: number }[] = [];
    for (let hour = firstHour; hour <= lastHour; hour += 1) {
      const folder = hourFolder(hour * 3600);
      const [date, hh] = folder.split('/');
      const dir = join(resolve(this.options.recordingsDir), date, hh, camera);
      for (const name of await readdirOrEmpty(dir)) {
        const startTime = recordingStartTime(date, hh, name);
        if (startTime !== null && startTime < end) candidates.push({ path: join(dir, name), startTime });
      }
    }
    candidates.sort((a, b) => a.startTime - b.startTime);
    const durations = await this.headers.durationsOf(candidates.map((c) => c.path));
    return candidates.flatMap((candidate, index) => {
      const durationSeconds = durations[index];
      if (durationSeconds === null || candidate.startTime + durationSeconds <= start) return [];
      return [{ camera, path: candidate.path, startTime: candidate.startTime, durationSeconds }];
    });
  }

  /** The files themselves: each covers its start plus its duration. */
  findRecordedPeriods(camera: string, after: number, before: number): Promise<RecordedPeriod[]> {
    return this.findRecordings(camera, after, before);
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
