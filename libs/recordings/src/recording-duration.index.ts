import { Inject, Injectable, Logger } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { FfmpegProcessSupervisor } from '@app/ffmpeg';
import { readMp4Info } from './mp4-header.reader';
import { RECORDINGS_MODULE_OPTIONS, RecordingsModuleOptions } from './recordings.module-definition';

interface IndexEntry {
  size: number;
  mtimeMs: number;
  durationSeconds: number | null;
}

/** At most this many files are opened at once while a range is indexed. */
const PARALLEL_READS = 32;
/** Bounded so a recordings tree of months cannot grow memory without limit (~100 bytes an entry). */
const MAX_ENTRIES = 200_000;

/**
 * File durations, keyed by path, size and mtime: a file that changes is read again.
 * Durations come from the MP4 header, in-process; ffprobe is only the fallback for files
 * whose header does not say (fragmented MP4 without mehd).
 */
@Injectable()
export class RecordingDurationIndex {
  private readonly logger = new Logger(RecordingDurationIndex.name);
  private readonly entries = new Map<string, IndexEntry>();

  constructor(
    @Inject(RECORDINGS_MODULE_OPTIONS) private readonly options: RecordingsModuleOptions,
    private readonly supervisor: FfmpegProcessSupervisor,
  ) {}

  /** Durations of many files; null for a file that cannot be read (it is skipped, with a warning). */
  async durationsOf(paths: readonly string[]): Promise<(number | null)[]> {
    const results: (number | null)[] = new Array(paths.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const index = next++;
        results[index] = await this.durationOf(paths[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, paths.length) }, worker));
    return results;
  }

  async durationOf(path: string): Promise<number | null> {
    let info;
    try {
      info = await stat(path);
    } catch {
      return null;
    }
    const cached = this.entries.get(path);
    if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) {
      return cached.durationSeconds;
    }
    const durationSeconds = await this.readDuration(path);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(path, { size: info.size, mtimeMs: info.mtimeMs, durationSeconds });
    return durationSeconds;
  }

  private async readDuration(path: string): Promise<number | null> {
    try {
      const header = await readMp4Info(path);
      if (header) return header.durationSeconds;
    } catch (error) {
      this.logger.warn(`cannot read ${path}: ${(error as Error).message}`);
      return null;
    }
    return this.probeDuration(path);
  }

  private async probeDuration(path: string): Promise<number | null> {
    const exit = await this.supervisor.run(
      this.options.ffprobePath,
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path],
      10_000,
    );
    const duration = Number.parseFloat(exit.stdout[0] ?? '');
    if (exit.code === 0 && Number.isFinite(duration) && duration > 0) return duration;
    this.logger.warn(`skipping ${path}: no duration in its header and ffprobe could not read it`);
    return null;
  }
}
