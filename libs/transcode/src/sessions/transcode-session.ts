import type { FfmpegProgress, ProcessExit, SupervisedProcess } from '@app/ffmpeg';
import type { RecordingTimeline } from '@app/recordings';
import type { PlannedSegment } from '../plan/segment-plan';
import { SessionOutputFormat, chooseOutputFormat } from '../plan/output-format';
import type { EncoderActivity, SessionVariant, TranscodeSessionState } from '../model/session-views';
import { ENCODED_RENDITION, SessionRendition, sourceFrameRate } from '../plan/rendition';

/** One ffmpeg process of a session, from the segment it started at. */
export interface EncoderRun {
  /** Counts up per session; names the run's files so runs never overwrite each other. */
  id: number;
  process: SupervisedProcess;
  startIndex: number;
  /** Next segment this run will finish. */
  nextIndex: number;
  /** Epoch ms when it was started. */
  startedAt: number;
  /** Set once the process has ended. */
  exit: ProcessExit | null;
  /** The ffmpeg video encoder of the run (libx264, h264_vaapi, …). */
  videoEncoder: string;
  /**
   * Set before the run is stopped: ffmpeg closes the segment it was writing on SIGTERM and
   * lists it like a finished one, but that segment is cut short and must not be served.
   */
  stopping: boolean;
  progress: FfmpegProgress | null;
  /** When the last progress report came (epoch ms), and how many pauses the process had then. */
  progressAt: number | null;
  progressPauseCount: number;
}

/** How a session's runs are doing, for the limits, the listing and the metrics. */
export interface SessionRunsView {
  /** Runs whose process runs and is not paused. */
  encodingCount(): number;
  /** Runs whose process is alive (paused or not). */
  runs(): readonly EncoderRun[];
  /** Requests waiting for a segment right now. */
  readonly hasWaiters: boolean;
}

/**
 * One transcode: one camera, one range, one folder. Holds the plan (immutable), the finished
 * segments (written only when a run lists one, or the disk budget deletes one) and where
 * viewers asked lately. Its runs belong to its SessionDriver.
 */
export class TranscodeSession {
  state: TranscodeSessionState = 'opened';
  lastAccessAt: number;
  /** The ffmpeg video encoder of its latest run (libx264, h264_vaapi, …), or null before the first. */
  videoEncoder: string | null = null;
  /**
   * Resolves once it can be served: its folder made and, for a session the API's create started,
   * its first segment playable; rejects with the HTTP error to answer.
   */
  ready!: Promise<void>;
  /** Settles once the session's folder is made (or could not be): no run is started before it. */
  folderMade: Promise<void> = Promise.resolve();
  /** The folder is there (folderMade resolved). */
  hasFolder = false;
  /**
   * Planned for a caller that hands H.264 off, from recordings whose codecs its source could not
   * read, and started without its encoder (OpenOptions.handOffH264): until its first segment is
   * asked, that caller may still find it H.264 and remove it.
   */
  awaitingHandOff = false;
  private runsView: SessionRunsView | null = null;
  private output: SessionOutputFormat | null = null;
  private decidedVariant: SessionVariant | null = null;
  /** Finished segments: index → file name (of the run that made it). */
  private readonly readyFiles = new Map<number, string>();
  /** Sizes of the finished segments on disk, and their sum. */
  private readonly readyBytes = new Map<number, number>();
  private bytesOnDisk = 0;
  /** Segments asked for lately (index → epoch ms): where the viewers are. */
  private readonly recentRequests = new Map<number, number>();

  constructor(
    readonly id: string,
    readonly camera: string,
    readonly start: number,
    readonly end: number,
    readonly timeline: RecordingTimeline,
    readonly segments: readonly PlannedSegment[],
    readonly createdAt: number,
    /** Who created it (`user:…` or `ip:…`), for the per-user limit; undefined for a takeover. */
    readonly owner?: string,
    /** Its speed, and whether its video is encoded, copied or made fast (decided with its plan). */
    readonly rendition: SessionRendition = ENCODED_RENDITION,
  ) {
    this.lastAccessAt = createdAt;
  }

  /** Playback speed: its segments show this many seconds of recordings per second. */
  get speed(): number {
    return this.rendition.speed;
  }

  /**
   * Seconds its playlist lasts: the recordings' (gaps collapsed) from its first segment's first
   * frame (a copied stream's first keyframe), divided by the speed.
   */
  get outputDurationSeconds(): number {
    return (this.timeline.durationSeconds - (this.segments[0]?.timelineStartSeconds ?? 0)) / this.rendition.speed;
  }

  /** The picture size and audio format of every segment (decided once, from the recordings). */
  outputFormat(maxHeight: number): SessionOutputFormat {
    this.output ??= chooseOutputFormat(this.timeline.pieces, maxHeight);
    return this.output;
  }

  /**
   * What its segments carry, for a master playlist: the output picture size and audio, and the
   * frame rate of its first recording whose header gave frame times. Worked out once, when the
   * output format is decided (at launch): every routed lookup of the session carries it.
   */
  variant(): SessionVariant {
    if (this.decidedVariant) return this.decidedVariant;
    const video = this.rendition.video;
    const sourceRate = sourceFrameRate(this.timeline.pieces);
    const frameRate = video.mode === 'fast' ? video.frameRate : sourceRate;
    // A copied stream is the source's: its size, and its own profile and level.
    const source = this.timeline.pieces[0]?.media?.video;
    const frame = video.mode === 'copy' && source?.width && source.height ? { width: source.width, height: source.height } : this.output?.frame;
    const variant: SessionVariant = {
      ...(frame ? { width: frame.width, height: frame.height } : {}),
      ...(frameRate ? { frameRate: Math.round(frameRate * 1000) / 1000 } : {}),
      ...(video.mode === 'copy' && source?.avc ? { videoCodec: avcCodecString(source.avc) } : {}),
      audio: this.rendition.audio !== 'none' && !!this.output?.audio,
    };
    if (this.output) this.decidedVariant = variant;
    return variant;
  }

  /** Connects the driver that owns the session's runs (once, when the session is launched). */
  attachRuns(view: SessionRunsView): void {
    this.runsView = view;
  }

  get alive(): boolean {
    return this.state !== 'stopped';
  }

  /**
   * Whether it holds an encoder slot in the sense of MAX_CONCURRENT_TRANSCODES: a run encoding,
   * its first run on its way, or opened and asked for within the last `openedHoldMs` (its viewer
   * is about to ask a segment; one who never does lets the slot go after as long as a run nobody
   * asks of would have held it).
   */
  holdsEncoderSlot(now: number, openedHoldMs: number): boolean {
    if (this.state === 'starting' || (this.runsView?.encodingCount() ?? 0) > 0) return true;
    return this.state === 'opened' && now - this.lastAccessAt < openedHoldMs;
  }

  /** Its live runs (processes running or paused). */
  get runs(): readonly EncoderRun[] {
    return this.runsView?.runs() ?? [];
  }

  /** What its runs are doing: encoding when one is, paused when all are, stopped when there are none. */
  get encoderActivity(): EncoderActivity {
    const runs = this.runs;
    if (runs.length === 0) return 'stopped';
    return runs.some((run) => !run.process.isPaused) ? 'encoding' : 'paused';
  }

  get hasWaiters(): boolean {
    return this.runsView?.hasWaiters ?? false;
  }

  get readyCount(): number {
    return this.readyFiles.size;
  }

  touch(now: number): void {
    this.lastAccessAt = Math.max(this.lastAccessAt, now);
  }

  readyFile(index: number): string | undefined {
    return this.readyFiles.get(index);
  }

  /** Bytes of the finished file of segment `index`, as it was when listed (0: unknown). */
  readySize(index: number): number {
    return this.readyBytes.get(index) ?? 0;
  }

  /**
   * The files finished segments are served from (by name: a file's number is ffmpeg's own count,
   * which can drift from the plan's index where frames are missing).
   */
  servedFiles(): Set<string> {
    return new Set(this.readyFiles.values());
  }

  /** Records a finished segment of `bytes`; returns the file it replaces (from an earlier run), if any. */
  markReady(index: number, fileName: string, bytes = 0): string | undefined {
    const previous = this.readyFiles.get(index);
    this.readyFiles.set(index, fileName);
    this.bytesOnDisk += bytes - (this.readyBytes.get(index) ?? 0);
    this.readyBytes.set(index, bytes);
    return previous !== fileName ? previous : undefined;
  }

  /** Forgets a finished segment (its file is being deleted); a later request makes it again. */
  forget(index: number): string | undefined {
    const file = this.readyFiles.get(index);
    this.readyFiles.delete(index);
    this.bytesOnDisk -= this.readyBytes.get(index) ?? 0;
    this.readyBytes.delete(index);
    return file;
  }

  /** Bytes of its finished segments on disk. */
  get storedBytes(): number {
    return this.bytesOnDisk;
  }

  /** Finished segments with their sizes. */
  storedSegments(): { index: number; bytes: number }[] {
    return [...this.readyBytes].map(([index, bytes]) => ({ index, bytes }));
  }

  /** Remembers that segment `index` was asked for now. */
  noteRequest(index: number, now: number, memoryMs: number): void {
    this.awaitingHandOff = false;
    this.recentRequests.set(index, now);
    // Bounded: entries older than the memory are dropped as new ones come.
    if (this.recentRequests.size > 64) {
      for (const [key, at] of this.recentRequests) if (now - at > memoryMs) this.recentRequests.delete(key);
    }
  }

  /** Segments asked for within the last `memoryMs`. */
  recentlyRequested(now: number, memoryMs: number): number[] {
    return [...this.recentRequests].filter(([, at]) => now - at <= memoryMs).map(([index]) => index);
  }
}

/** Pure: an H.264 stream's RFC 6381 codec string (avc1.PPCCLL) from its avcC. */
export function avcCodecString(avc: { profile: number; compatibility?: number; level: number }): string {
  const hex = (byte: number) => byte.toString(16).padStart(2, '0');
  return `avc1.${hex(avc.profile)}${hex(avc.compatibility ?? 0)}${hex(avc.level)}`;
}
