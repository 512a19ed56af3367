import { Inject, Injectable, Logger } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { FfmpegProcessSupervisor } from '@app/ffmpeg';
import { recordingLabel } from './frigate-recordings-layout';
import { LeastRecentlyUsedMap } from './least-recently-used.map';
import { readMp4Info } from './mp4-header.reader';
import { MAX_RECORDING_SECONDS } from './mp4-limits';
import type { RecordingFile, RecordingMedia } from './recording-source.interface';
import { RECORDINGS_MODULE_OPTIONS, RecordingsModuleOptions } from './recordings.module-definition';
import { UnreadableRecordingError, UnreadableVerdict } from './unreadable-recording.error';

/** What the header index says about a file that exists: how long it lasts, or why it cannot be read. */
export type RecordingHeaderVerdict = { durationSeconds: number } | { unreadable: UnreadableVerdict };

/** What it says about a file's tracks: its media (null where the header does not describe it), or why it cannot be read. */
export type RecordingMediaVerdict = { media: RecordingMedia | null } | { unreadable: UnreadableVerdict };

/** What identifies a version of a file: a file that changes is read again. */
interface FileVersion {
  size: number;
  mtimeMs: number;
}

interface IndexEntry extends FileVersion {
  verdict: RecordingHeaderVerdict;
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
 * (fragmented MP4 without mehd). A file that cannot be read is kept as unreadable, with its
 * reason, for that version only (one still being written is read again once it has changed),
 * and logged once per version by its `day/hour/camera/file`.
 */
@Injectable()
export class RecordingHeaderIndex {
  private readonly logger = new Logger(RecordingHeaderIndex.name);
  private readonly entries = new LeastRecentlyUsedMap<string, IndexEntry>(MAX_ENTRIES);
  private readonly mediaEntries = new LeastRecentlyUsedMap<string, MediaEntry>(MAX_MEDIA_ENTRIES);
  /** Reads under way, by what they read: lookups that ask for the same file at once share one. */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(RECORDINGS_MODULE_OPTIONS) private readonly options: RecordingsModuleOptions,
    private readonly supervisor: FfmpegProcessSupervisor,
  ) {}

  /** What the headers of many files say; null for a file that is not there. */
  verdictsOf(paths: readonly string[]): Promise<(RecordingHeaderVerdict | null)[]> {
    return mapBounded(paths, (path) => this.verdictOf(path));
  }

  /** Tracks and frame times of many files; null for a file that is not there. */
  mediaOf(paths: readonly string[]): Promise<(RecordingMediaVerdict | null)[]> {
    return mapBounded(paths, (path) => this.describe(path));
  }

  async verdictOf(path: string): Promise<RecordingHeaderVerdict | null> {
    const version = await versionOf(path);
    if (!version) return null;
    const cached = this.entries.get(path);
    if (cached && sameVersion(cached, version)) return cached.verdict;
    const read = await this.read(path, version);
    if (!read) return null;
    return read.verdict ?? this.once(`probe/${versionKey(path, version)}`, () => this.probeDuration(path, version));
  }

  private async describe(path: string): Promise<RecordingMediaVerdict | null> {
    const version = await versionOf(path);
    if (!version) return null;
    const known = this.entries.get(path);
    if (known && sameVersion(known, version) && 'unreadable' in known.verdict) return known.verdict;
    const cached = this.mediaEntries.get(path);
    if (cached && sameVersion(cached, version)) return { media: cached.media };
    const read = await this.read(path, version);
    if (!read) return null;
    return read.verdict && 'unreadable' in read.verdict ? read.verdict : { media: read.media };
  }

  /**
   * Reads one version of a file's header (once, however many lookups ask meanwhile): its
   * verdict (null when the header gives no duration: ffprobe's turn) and media; null when the
   * file is gone.
   */
  private read(path: string, version: FileVersion): Promise<{ verdict: RecordingHeaderVerdict | null; media: RecordingMedia | null } | null> {
    return this.once(`read/${versionKey(path, version)}`, async () => {
      let verdict: RecordingHeaderVerdict | null = null;
      let media: RecordingMedia | null = null;
      try {
        const header = await readMp4Info(path);
        if (header) {
          // The same read describes the file: a range that is played next needs no second one.
          media = { video: header.video, audio: header.audio };
          verdict = { durationSeconds: header.durationSeconds };
        }
      } catch (error) {
        // Gone since its stat (Frigate's retention deleted it): nothing to say about it.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        verdict = { unreadable: this.unreadableVerdictOf(error, path) };
      }
      if (verdict) this.remember(path, version, verdict);
      if (!verdict || !('unreadable' in verdict)) this.mediaEntries.set(path, { ...version, media });
      return { verdict, media };
    });
  }

  /** Keeps a file version's verdict, and names an unreadable file in the log (once per version). */
  private remember(path: string, version: FileVersion, verdict: RecordingHeaderVerdict): void {
    this.entries.set(path, { ...version, verdict });
    if ('unreadable' in verdict) {
      this.logger.warn(`skipping recording ${recordingLabel(path)}: unreadable (${verdict.unreadable.reason}): ${verdict.unreadable.message}`);
    }
  }

  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let pending = this.pending.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = work().finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private unreadableVerdictOf(error: unknown, path: string): UnreadableVerdict {
    if (error instanceof UnreadableRecordingError) return error.verdict;
    const code = (error as NodeJS.ErrnoException).code;
    if (code) return { reason: 'cannot-read', message: `it cannot be read (${code})` };
    // The readers throw nothing else (the fuzz tests hold them to it): were one to, the file is still only skipped.
    this.logger.error(`the MP4 header reader failed on ${recordingLabel(path)}: ${(error as Error)?.stack ?? String(error)}`);
    return { reason: 'cannot-read', message: 'its header could not be read' };
  }

  private async probeDuration(path: string, version: FileVersion): Promise<RecordingHeaderVerdict> {
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
    if (exit.busy) {
      // The helper processes' pool had no turn for it: skipped this time, not judged (nor kept).
      return {
        unreadable: {
          reason: 'cannot-read',
          message: 'its duration could not be probed now (too many helper processes waiting); it is read again at the next lookup',
        },
      };
    }
    const verdict = probedVerdict(exit.code, Number.parseFloat(exit.stdout[0] ?? ''));
    this.remember(path, version, verdict);
    return verdict;
  }
}

/** Pure: what ffprobe's exit and its duration line say about a file whose header gives no duration. */
function probedVerdict(code: number | null, duration: number): RecordingHeaderVerdict {
  if (code !== 0 || !Number.isFinite(duration) || duration <= 0) {
    return { unreadable: { reason: 'no-duration', message: 'its header gives no duration, and ffprobe could not read one' } };
  }
  if (duration > MAX_RECORDING_SECONDS) {
    return {
      unreadable: {
        reason: 'bad-duration',
        message: `ffprobe says it lasts ${Math.round(duration)} s, more than the ${MAX_RECORDING_SECONDS} s a recording may`,
      },
    };
  }
  return { durationSeconds: duration };
}

function versionKey(path: string, version: FileVersion): string {
  return `${version.size}/${version.mtimeMs}/${path}`;
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

/**
 * The local files with what their headers say (RecordingSource.withMedia of a source of local
 * files). A file that cannot be read is left out, as a missing one would be: no ffmpeg run
 * ever reads it.
 */
export async function attachMedia(index: RecordingHeaderIndex, files: readonly RecordingFile[]): Promise<RecordingFile[]> {
  const verdicts = await index.mediaOf(files.map((file) => file.path));
  return files.flatMap((file, i) => {
    const verdict = verdicts[i];
    if (verdict && 'unreadable' in verdict) return [];
    return [verdict?.media ? { ...file, media: verdict.media } : file];
  });
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
