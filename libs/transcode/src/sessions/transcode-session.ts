import type { RecordingTimeline } from '@app/recordings';
import type { PlannedSegment } from '../plan/segment-plan';
import { SessionOutputFormat, chooseOutputFormat } from '../plan/output-format';
import type { EncoderActivity, SessionVariant, TranscodeSessionState } from '../model/session-views';
import { ENCODED_RENDITION, SessionRendition, sourceFrameRate } from '../plan/rendition';

/**
 * What a session reads of what its runs make and do. Its driver is the one writer of all of it
 * (the scheduler's state, the processes, the finished segments); the session only reads.
 */
export interface SessionProduction {
  readyFile(index: number): string | undefined;
  /** Bytes of the finished file of segment `index`, as it was when listed (0: unknown). */
  readySize(index: number): number;
  readonly readyCount: number;
  /** Bytes of its finished segments on disk. */
  readonly storedBytes: number;
  /** Finished segments with their sizes. */
  storedSegments(): { index: number; bytes: number }[];
  /** Runs encoding now (alive, not paused). */
  encodingCount(): number;
  activity(): EncoderActivity;
  /** The pid of a run encoding now (else of a paused one), or null. */
  activePid(): number | null;
  /** The ffmpeg video encoder of its latest run, or null before the first. */
  readonly videoEncoder: string | null;
  /** Requests waiting for a segment right now. */
  readonly hasWaiters: boolean;
}

/**
 * One transcode: one camera, one range, one folder. Holds the plan (immutable), its state and
 * where viewers asked lately. Its runs and its finished segments belong to its SessionDriver,
 * which it reads (SessionProduction).
 */
export class TranscodeSession {
  state: TranscodeSessionState = 'opened';
  lastAccessAt: number;
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
  private production: SessionProduction | null = null;
  private output: SessionOutputFormat | null = null;
  private decidedVariant: SessionVariant | null = null;
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

  /** Connects the driver that owns the session's runs and segments (once, when the session is launched). */
  attachProduction(production: SessionProduction): void {
    this.production = production;
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
    if (this.state === 'starting' || (this.production?.encodingCount() ?? 0) > 0) return true;
    return this.state === 'opened' && now - this.lastAccessAt < openedHoldMs;
  }

  /** What its runs are doing: encoding when one is, paused when all are, stopped when there are none. */
  get encoderActivity(): EncoderActivity {
    return this.production?.activity() ?? 'stopped';
  }

  /** The pid of a run encoding now (else of a paused one), or null. */
  get activePid(): number | null {
    return this.production?.activePid() ?? null;
  }

  /** The ffmpeg video encoder of its latest run (libx264, h264_vaapi, …), or null before the first. */
  get videoEncoder(): string | null {
    return this.production?.videoEncoder ?? null;
  }

  get hasWaiters(): boolean {
    return this.production?.hasWaiters ?? false;
  }

  get readyCount(): number {
    return this.production?.readyCount ?? 0;
  }

  touch(now: number): void {
    this.lastAccessAt = Math.max(this.lastAccessAt, now);
  }

  readyFile(index: number): string | undefined {
    return this.production?.readyFile(index);
  }

  /** Bytes of the finished file of segment `index`, as it was when listed (0: unknown). */
  readySize(index: number): number {
    return this.production?.readySize(index) ?? 0;
  }

  /** Bytes of its finished segments on disk. */
  get storedBytes(): number {
    return this.production?.storedBytes ?? 0;
  }

  /** Finished segments with their sizes. */
  storedSegments(): { index: number; bytes: number }[] {
    return this.production?.storedSegments() ?? [];
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
