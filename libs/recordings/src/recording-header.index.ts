import { Inject, Injectable, Logger } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { FfmpegProcessSupervisor } from '@app/ffmpeg';
import { LeastRecentlyUsedMap } from './least-recently-used.map';
import { readMp4Info } from './mp4-header.reader';
import type { RecordingFile, RecordingMedia } from './recording-source.interface';
import { RECORDINGS_MODULE_OPTIONS, RecordingsModuleOptions } from './recordings.module-definition';

/** What identifies a version of a file: a file that changes is read again. */
interface FileVersion {
  size: number;
  mtimeMs: number;
}

interface IndexEntry extends FileVersion {
  durationSeconds: number | null;
}

interface MediaEntry extends FileVersion {
  media: RecordingMedia | null;
}

/** At most this many files are opened at once while a range is indexed. */
const PARALLEL_READS = 32;
/**
 * Bounded so a recordings tree of months cannot grow memory without limit (~100 bytes an entry),
 * least recently used first out: a week-long scan evicts the oldest entries one by one rather
 * than emptying the cache the playing ranges use.
 */
const MAX_ENTRIES = 200_000;
/**
 * Media descriptions hold every frame time (a few KiB a file): enough for the ranges being
 * played (a 6-hour range is 2,160 files), least recently used first out.
 */
const MAX_MEDIA_ENTRIES = 8192;

/**
 * What the recordings' MP4 headers say, keyed by path, size and mtime (a file that changes is
 * read again): each file's duration, and, for the ranges being played, its tracks and frame
 * times. Read in-process; ffprobe is only the fallback for a duration the header does not give
 * (fragmented MP4 without mehd).
 */
@Injectable()
export class RecordingHeaderIndex {
  private readonly logger = new Logger(RecordingHeaderIndex.name);
  private readonly entries = new LeastRecentlyUsedMap<string, IndexEntry>(MAX_ENTRIES);
  private readonly mediaEntries = new LeastRecentlyUsedMap<string, MediaEntry>(MAX_MEDIA_ENTRIES);

  constructor(
    @Inject(RECORDINGS_MODULE_OPTIONS) private readonly options: RecordingsModuleOptions,
    private readonly supervisor: FfmpegProcessSupervisor,
  ) {}

  /** Durations of many files; null for a file that cannot be read (it is skipped, with a warning). */
  durationsOf(paths: readonly string[]): Promise<(number | null)[]> {
    return mapBounded(paths, (path) => this.durationOf(path));
  }

  /** Tracks and frame times of many files; null where the header does not describe them. */
  mediaOf(paths: readonly string[]): Promise<(RecordingMedia | null)[]> {
    return mapBounded(paths, (path) => this.describe(path));
  }

  async durationOf(path: string): Promise<number | null> {
    const info = await versionOf(path);
    if (!info) return null;
    const cached = this.entries.get(path);
    if (cached && sameVersion(cached, info)) return cached.durationSeconds;
    const durationSeconds = await this.readDuration(path, info);
    this.entries.set(path, { size: info.size, mtimeMs: info.mtimeMs, durationSeconds });
    return durationSeconds;
  }

  private async describe(path: string): Promise<RecordingMedia | null> {
    const info = await versionOf(path);
    if (!info) return null;
    const cached = this.mediaEntries.get(path);
    if (cached && sameVersion(cached, info)) return cached.media;
    const header = await readMp4Info(path).catch(() => null);
    const media = header ? { video: header.video, audio: header.audio } : null;
    this.remember(path, info, media);
    return media;
  }

  private remember(path: string, info: FileVersion, media: RecordingMedia | null): void {
    this.mediaEntries.set(path, { size: info.size, mtimeMs: info.mtimeMs, media });
  }

  private async readDuration(path: string, info: FileVersion): Promise<number | null> {
    try {
      const header = await readMp4Info(path);
      if (header) {
        // The same read describes the file: a range that is played next needs no second one.
        this.remember(path, info, { video: header.video, audio: header.audio });
        return header.durationSeconds;
      }
    } catch (error) {
      this.logger.warn(`cannot read ${path}: ${(error as Error).message}`);
      return null;
    }
    return this.probeDuration(path);
  }

  private async probeDuration(path: string): Promise<number | null> {
    const exit = await this.supervisor.run(
      this.options.ffprobePath,
      // Only this local file, as MP4: a "recording" that is really a playlist or a concat list
      // must not make ffprobe open other files or fetch URLs.
      [
        '-v',
        'error',
        '-protocol_whitelist',
        'file',
        '-format_whitelist',
        'mov,mp4,m4a,3gp,3g2,mj2',
        '-show_entries',
        'format=duration',
        '-of',
        'csv=p=0',
        path,
      ],
      10_000,
    );
    const duration = Number.parseFloat(exit.stdout[0] ?? '');
    if (exit.code === 0 && Number.isFinite(duration) && duration > 0) return duration;
    this.logger.warn(`skipping ${path}: no duration in its header and ffprobe could not read it`);
    return null;
  }
}

/** The file's size and mtime, or null when it cannot be read. */
async function versionOf(path: string): Promise<FileVersion | null> {
  try {
    const { size, mtimeMs } = await stat(path);
    return { size, mtimeMs };
  } catch {
    return null;
  }
}

function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** The local files with what their headers say (RecordingSource.withMedia of a source of local files). */
export async function attachMedia(index: RecordingHeaderIndex, files: readonly RecordingFile[]): Promise<RecordingFile[]> {
  const media = await index.mediaOf(files.map((file) => file.path));
  return files.map((file, i) => (media[i] ? { ...file, media: media[i]! } : file));
}

/** `work` over every item, at most PARALLEL_READS at a time, results in order. */
async function mapBounded<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, items.length) }, worker));
  return results;
}
