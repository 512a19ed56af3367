import { Mutex } from 'async-mutex';
import { Observable, Subject } from 'rxjs';
import type { EncoderKind, FfmpegProgress, ProcessExit, SupervisedProcess } from '@app/ffmpeg';
import type { RecordingTimeline } from '@app/recordings';
import type { PlannedSegment } from './segment-plan';
import { SessionOutputFormat, chooseOutputFormat } from './output-format';

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
  /** Whether it runs on the hardware encoder (which may fail to start) or on libx264. */
  encoderKind: EncoderKind;
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

/**
 * starting: the first encoder is on its way to segment 0; active: serving (an encoder may be
 * running, paused or idle-stopped); stopped: deleted or expired.
 */
export type TranscodeSessionState = 'starting' | 'active' | 'stopped';

/** The live state of one transcode: one camera, one range, one folder, at most one ffmpeg at a time. */
export class TranscodeSession {
  state: TranscodeSessionState = 'starting';
  lastAccessAt: number;
  /** The current (or last) encoder run. */
  encoder: EncoderRun | null = null;
  /** Why the hardware encoder failed to start for this session (it then runs in software), or null. */
  hardwareFailure: string | null = null;
  /** Highest segment the viewer has asked for since the last seek: the lookahead is measured from it. */
  viewerHead = 0;
  /** Segments requests are waiting for right now (index → how many requests). */
  private readonly waiting = new Map<number, number>();
  /** Resolves once the first segment is playable; rejects with the HTTP error to answer. */
  ready!: Promise<void>;
  /** Serve/wait/restart decisions of one session are taken one at a time. */
  readonly lock = new Mutex();
  private runCounter = 0;
  private output: SessionOutputFormat | null = null;
  /** Finished segments: index → file name (of the run that made it). */
  private readonly readyFiles = new Map<number, string>();
  /** Sizes of the finished segments on disk, and their sum. */
  private readonly readyBytes = new Map<number, number>();
  private bytesOnDisk = 0;
  /** Segments asked for lately (index → epoch ms): where the viewers are. */
  private readonly recentRequests = new Map<number, number>();
  private readonly segmentReady = new Subject<number>();
  private readonly encoderChanged = new Subject<void>();
  private readonly accessed = new Subject<void>();
  private readonly closed = new Subject<void>();

  constructor(
    readonly id: string,
    readonly camera: string,
    readonly start: number,
    readonly end: number,
    readonly timeline: RecordingTimeline,
    readonly segments: readonly PlannedSegment[],
    readonly createdAt: number,
  ) {
    this.lastAccessAt = createdAt;
  }

  /** The picture size and audio format of every segment (decided once, from the recordings). */
  outputFormat(maxHeight: number): SessionOutputFormat {
    this.output ??= chooseOutputFormat(this.timeline.pieces, maxHeight);
    return this.output;
  }

  get alive(): boolean {
    return this.state !== 'stopped';
  }

  /** An encoder that is running and not paused: what the concurrency limit counts. */
  get isEncoding(): boolean {
    const process = this.encoder?.process;
    return this.state === 'starting' || (!!process && process.running && !process.isPaused);
  }

  get encoderRunning(): boolean {
    return !!this.encoder?.process.running;
  }

  get readyCount(): number {
    return this.readyFiles.size;
  }

  /** Emits the index of each segment as it is finished. */
  get segmentReady$(): Observable<number> {
    return this.segmentReady.asObservable();
  }

  /** Emits when the encoder is restarted, stopped or ends: waiters look again. */
  get encoderChanged$(): Observable<void> {
    return this.encoderChanged.asObservable();
  }

  /** Emits once, when the session is stopped. */
  get closed$(): Observable<void> {
    return this.closed.asObservable();
  }

  /** Emits on every request: drives the idle stop. */
  get accessed$(): Observable<void> {
    return this.accessed.asObservable();
  }

  /** Registers a request waiting for segment `index`; call the returned function when it is done. */
  startWaiting(index: number): () => void {
    this.waiting.set(index, (this.waiting.get(index) ?? 0) + 1);
    return () => {
      const count = (this.waiting.get(index) ?? 1) - 1;
      if (count > 0) this.waiting.set(index, count);
      else this.waiting.delete(index);
    };
  }

  get hasWaiters(): boolean {
    return this.waiting.size > 0;
  }

  /** Where the encoder's lookahead is measured from: the viewer, or a request waiting further on. */
  get demandHead(): number {
    let head = this.viewerHead;
    for (const index of this.waiting.keys()) head = Math.max(head, index);
    return head;
  }

  nextRunId(): number {
    this.runCounter += 1;
    return this.runCounter;
  }

  touch(now: number): void {
    this.lastAccessAt = Math.max(this.lastAccessAt, now);
    this.accessed.next();
  }

  readyFile(index: number): string | undefined {
    return this.readyFiles.get(index);
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
    this.segmentReady.next(index);
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

  notifyEncoderChanged(): void {
    this.encoderChanged.next();
  }

  closeEvents(): void {
    this.closed.next();
    this.closed.complete();
    this.segmentReady.complete();
    this.encoderChanged.complete();
    this.accessed.complete();
  }
}
