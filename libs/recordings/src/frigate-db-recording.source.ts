import { OnModuleInit } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { InvalidSettingError } from '@app/common';
import { isValidCameraName } from './camera-name';
import { RecordedPeriod, RecordedPeriods, RecordingFile, RecordingSource } from './recording-source.interface';
import type { RecordingsModuleOptions } from './recordings.module-definition';
import { RecordingHeaderIndex, attachMedia } from './recording-header.index';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
/** How long the list of cameras is reused (a camera added to Frigate shows up within it). */
const CAMERA_LIST_TTL_MS = 10_000;
/** Where Frigate's container keeps its media; the paths in its database start with it. */
export const FRIGATE_CONTAINER_MEDIA = '/media/frigate';

/**
 * better-sqlite3, loaded when a Frigate database is first opened rather than with this file: it
 * is a native module, compiled at install, that this source alone needs, so the npm package
 * lists it as an optional peer and a host that reads Frigate's folders or its VOD never builds it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a load at first use, which an import cannot be
export function loadSqlite(requireSqlite: () => unknown = () => require('better-sqlite3')): typeof Database {
  try {
    return requireSqlite() as typeof Database;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new InvalidSettingError(
      `RECORDINGS_SOURCE=frigate-db needs the package better-sqlite3, which is not installed: npm install better-sqlite3 (${(error as Error).message.split('\n')[0]})`,
    );
  }
}

interface RecordingRow {
  path: string;
  start_time: number;
  end_time: number;
  duration: number | null;
}

/**
 * Reads Frigate's own SQLite database (table `recordings`: id, camera, path, start_time,
 * end_time, duration; times as epoch floats), opened read-only. Paths are mapped from Frigate's
 * /media/frigate to FRIGATE_MEDIA_ROOT, and a path that would leave it is skipped.
 */
export class FrigateDbRecordingSource implements RecordingSource, OnModuleInit {
  private readonly mediaRoot: string;
  private cameraList: { at: number; cameras: string[] } | null = null;
  private statements: {
    overlapping: Database.Statement<[string, number, number], RecordingRow>;
    cameras: Database.Statement<[], { camera: string }>;
    probe: Database.Statement<[], unknown>;
  } | null = null;

  constructor(
    private readonly options: RecordingsModuleOptions,
    private readonly headers?: RecordingHeaderIndex,
  ) {
    this.mediaRoot = resolve(options.frigateMediaRoot ?? FRIGATE_CONTAINER_MEDIA);
  }

  /** Opened at start, so a wrong FRIGATE_DB_PATH stops the app with one line. */
  onModuleInit(): void {
    this.open();
  }

  private open() {
    if (this.statements) return this.statements;
    const path = this.options.frigateDbPath ?? '';
    const Sqlite = loadSqlite();
    try {
      const db = new Sqlite(path, { readonly: true, fileMustExist: true });
      this.statements = {
        overlapping: db.prepare(
          'SELECT path, start_time, end_time, duration FROM recordings WHERE camera = ? AND end_time > ? AND start_time < ? ORDER BY start_time',
        ),
        cameras: db.prepare('SELECT DISTINCT camera FROM recordings ORDER BY camera'),
        probe: db.prepare('SELECT 1 FROM recordings LIMIT 1'),
      };
      return this.statements;
    } catch (error) {
      throw new InvalidSettingError(`Invalid setting FRIGATE_DB_PATH=${JSON.stringify(path)}: not a readable Frigate database (${(error as Error).message})`);
    }
  }

  /**
   * The cameras of the recordings table, read again at most every CAMERA_LIST_TTL_MS: the query
   * is synchronous (better-sqlite3) and scans the table, and every create and lookup asks.
   */
  async listCameras(now = Date.now()): Promise<string[]> {
    if (!this.cameraList || now - this.cameraList.at > CAMERA_LIST_TTL_MS) {
      this.cameraList = {
        at: now,
        cameras: this.open()
          .cameras.all()
          .map((row) => row.camera)
          .filter(isValidCameraName),
      };
    }
    return this.cameraList.cameras;
  }

  async findRecordings(camera: string, start: number, end: number): Promise<RecordingFile[]> {
    if (!isValidCameraName(camera)) return [];
    return this.open()
      .overlapping.all(camera, start, end)
      .flatMap((row) => {
        const path = this.localPath(row.path);
        const durationSeconds = row.duration && row.duration > 0 ? row.duration : row.end_time - row.start_time;
        return path && durationSeconds > 0 ? [{ camera, path, startTime: row.start_time, durationSeconds }] : [];
      });
  }

  /**
   * The rows themselves: each covers its start plus its duration. Frigate's database is the
   * timeline here, as in Frigate's own UI: no file is read, so none is named unreadable (one
   * that is is still left out of playback, by withMedia, and logged).
   */
  async findRecordedPeriods(camera: string, after: number, before: number): Promise<RecordedPeriods> {
    const periods: RecordedPeriod[] = (await this.findRecordings(camera, after, before)).map(({ startTime, durationSeconds }) => ({
      startTime,
      durationSeconds,
    }));
    return { periods, unreadable: [] };
  }

  /** Frigate's database has no frame times: they come from the files' headers, as for the folder source (and a file whose header is unreadable is left out). */
  async withMedia(files: readonly RecordingFile[]): Promise<RecordingFile[]> {
    return this.headers ? attachMedia(this.headers, files) : [...files];
  }

  async checkReadable(): Promise<void> {
    this.open().probe.all();
  }

  /**
   * Frigate's path in its container → the same file here; null if it would leave the media root,
   * or holds a control character (NUL, a line break: nothing Frigate writes, and what would
   * break out of an ffmpeg list entry).
   */
  private localPath(frigatePath: string): string | null {
    if (CONTROL_CHARACTER.test(frigatePath)) return null;
    const inside = relative(FRIGATE_CONTAINER_MEDIA, frigatePath);
    if (!inside || inside.startsWith('..') || isAbsolute(inside)) return null;
    const local = join(this.mediaRoot, inside);
    return relative(this.mediaRoot, local).startsWith('..') ? null : local;
  }
}
