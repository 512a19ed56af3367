import type { RecordingTimeline } from '@app/recordings';
import type { EncoderActivity, SessionSnapshot, SessionVariant, TranscodeSessionState } from '../model/session-views';
import type { SessionOutputFormat } from '../plan/output-format';
import { SessionRendition, sourceFrameRate } from '../plan/rendition';
import type { PlannedSegment } from '../plan/segment-plan';
import type { SessionTrackView } from '../tracks/view-plan';

/** A session's plan, decided once when it is admitted: what it plays, how it is cut, what it outputs. */
export interface SessionPlan {
  readonly timeline: RecordingTimeline;
  readonly segments: readonly PlannedSegment[];
  /** Its speed, and whether its video is encoded, copied or made fast. */
  readonly rendition: SessionRendition;
  /** The picture size and audio format of every segment. */
  readonly output: SessionOutputFormat;
  /** Set when the session is a view of a shared track (SHARED_TRACKS): its segments are the track's and its own pieces. */
  readonly view?: SessionTrackView;
}

/** What a session is made with. */
export interface SessionInit {
  id: string;
  camera: string;
  start: number;
  end: number;
  plan: SessionPlan;
  createdAt: number;
  /** Who created it (`user:…` or `ip:…`), for the per-user limit; undefined for a takeover. */
  owner?: string;
  /** See TranscodeSession.awaitingHandOff. */
  awaitingHandOff?: boolean;
}

/**
 * What a session reads of what its runs make and do. Its driver is the one writer of all of it
 * (the scheduler's state, the processes, the finished segments); the session only reads.
 */
export interface SessionProduction {
  readyFile(index: number): string | undefined;
  /** The folder (its id under TRANSCODE_DIR) that holds segment `index`: the session's, or a track's it plays. */
  dirOf(index: number): string;
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
 * where viewers asked lately. Its runs and finished segments belong to its SessionDriver, which
 * it reads (SessionProduction). Only the sessions module (its table, admission and segment
 * access) holds this object; everyone else gets a snapshot.
 */
export class TranscodeSession {
  readonly id: string;
  readonly camera: string;
  readonly start: number;
  readonly end: number;
  readonly timeline: RecordingTimeline;
  readonly segments: readonly PlannedSegment[];
  readonly rendition: SessionRendition;
  readonly view?: SessionTrackView;
  readonly createdAt: number;
  readonly owner?: string;
  private currentState: TranscodeSessionState = 'opened';
  private lastAccess: number;
  /**
   * Resolves once it can be served: its folder made and, for a session the API's create started,
   * its first segment playable; rejects with the HTTP error to answer.
   */
  ready!: Promise<void>;
  /** Settles once the session's folder is made (or could not be): no run is started before it. */
  folderMade: Promise<void> = Promise.resolve();
  /** The folder is there (folderMade resolved). */
  hasFolder = false;
  private handOffPending: boolean;
  private production: SessionProduction | null = null;
  private readonly output: SessionOutputFormat;
  private readonly decidedVariant: SessionVariant;
  /** Segments asked for lately (index → epoch ms): where the viewers are. */
  private readonly recentRequests = new Map<number, number>();

  constructor(init: SessionInit) {
    ({ id: this.id, camera: this.camera, start: this.start, end: this.end, createdAt: this.createdAt, owner: this.owner } = init);
    ({ timeline: this.timeline, segments: this.segments, rendition: this.rendition, output: this.output, view: this.view } = init.plan);
    this.lastAccess = init.createdAt;
    this.handOffPending = init.awaitingHandOff ?? false;
    this.decidedVariant = Object.freeze(variantOf(init.plan));
  }

  get state(): TranscodeSessionState {
    return this.currentState;
  }

  get lastAccessAt(): number {
    return this.lastAccess;
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

  /** The picture size and audio format of every segment (decided with its plan; every run asks for the same). */
  outputFormat(): SessionOutputFormat {
    return this.output;
  }

  /** What its segments carry, for a master playlist (decided with its plan). */
  variant(): SessionVariant {
    return this.decidedVariant;
  }

  /**
   * Planned for a caller that hands H.264 off, from recordings whose codecs its source could not
   * read, and started without its encoder (OpenOptions.handOffH264): until its first segment is
   * asked, that caller may still find it H.264 and remove it.
   */
  get awaitingHandOff(): boolean {
    return this.handOffPending;
  }

  /** Connects the driver that owns the session's runs and segments (once, when the session is launched). */
  attachProduction(production: SessionProduction): void {
    this.production = production;
  }

  get alive(): boolean {
    return this.currentState !== 'stopped';
  }

  /**
   * Whether it holds an encoder slot in the sense of MAX_CONCURRENT_TRANSCODES: a run encoding,
   * its first run on its way, or opened and asked for within the last `openedHoldMs` (its viewer
   * is about to ask a segment; one who never does lets the slot go after as long as a run nobody
   * asks of would have held it).
   */
  holdsEncoderSlot(now: number, openedHoldMs: number): boolean {
    if (this.currentState === 'starting' || (this.production?.encodingCount() ?? 0) > 0) return true;
    return this.currentState === 'opened' && now - this.lastAccess < openedHoldMs;
  }

  get encoderActivity(): EncoderActivity {
    return this.production?.activity() ?? 'stopped';
  }

  get hasWaiters(): boolean {
    return this.production?.hasWaiters ?? false;
  }

  readyFile(index: number): string | undefined {
    return this.production?.readyFile(index);
  }

  /** The folder (its id under TRANSCODE_DIR) that holds segment `index`. */
  dirOf(index: number): string {
    return this.production?.dirOf(index) ?? this.id;
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

  /** Segments asked for within the last `memoryMs`. */
  recentlyRequested(now: number, memoryMs: number): number[] {
    return [...this.recentRequests].filter(([, at]) => now - at <= memoryMs).map(([index]) => index);
  }

  /** What the rest of the node may know of it now. */
  snapshot(): SessionSnapshot {
    return Object.freeze({
      id: this.id,
      camera: this.camera,
      start: this.start,
      end: this.end,
      speed: this.speed,
      state: this.currentState,
      alive: this.alive,
      ...(this.owner !== undefined ? { owner: this.owner } : {}),
      lastAccessAt: this.lastAccess,
      outputDurationSeconds: this.outputDurationSeconds,
      awaitingHandOff: this.handOffPending,
      variant: this.decidedVariant,
      video: this.rendition.video.mode,
      segmentCount: this.segments.length,
      readyCount: this.production?.readyCount ?? 0,
      encoderActivity: this.encoderActivity,
      activePid: this.production?.activePid() ?? null,
      videoEncoder: this.production?.videoEncoder ?? null,
    });
  }

  /** Marks it as just requested. */
  touch(now: number): void {
    this.lastAccess = Math.max(this.lastAccess, now);
  }

  /** Remembers that segment `index` was asked for now: where a viewer is (and it is handed off no more). */
  noteRequest(index: number, now: number, memoryMs: number): void {
    this.handOffPending = false;
    this.recentRequests.set(index, now);
    // Bounded: entries older than the memory are dropped as new ones come.
    if (this.recentRequests.size > 64) {
      for (const [key, at] of this.recentRequests) if (now - at > memoryMs) this.recentRequests.delete(key);
    }
  }

  /** Its first segment request is on its way (opened → starting). */
  beginFirstRequest(): void {
    if (this.currentState === 'opened') this.currentState = 'starting';
  }

  /** Its first segment was answered (starting → active); whether this was that moment. */
  firstSegmentServed(): boolean {
    if (this.currentState !== 'starting') return false;
    this.currentState = 'active';
    return true;
  }

  /** Every first request failed or was withdrawn with no segment made (starting → opened): the next is its first. */
  firstRequestsGone(): void {
    if (this.currentState === 'starting') this.currentState = 'opened';
  }

  /** Deleted, expired or failed: for good. Whether it was alive until now. */
  stop(): boolean {
    if (this.currentState === 'stopped') return false;
    this.currentState = 'stopped';
    return true;
  }
}

/**
 * Pure: what a session's segments carry, for a master playlist: the output picture size and
 * audio, and the frame rate of its first recording whose header gave frame times.
 */
function variantOf({ timeline, rendition, output }: SessionPlan): SessionVariant {
  const video = rendition.video;
  const frameRate = video.mode === 'fast' ? video.frameRate : sourceFrameRate(timeline.pieces);
  // A copied stream is the source's: its size, and its own profile and level.
  const source = timeline.pieces[0]?.media?.video;
  const frame = video.mode === 'copy' && source?.width && source.height ? { width: source.width, height: source.height } : output.frame;
  return {
    ...(frame ? { width: frame.width, height: frame.height } : {}),
    ...(frameRate ? { frameRate: Math.round(frameRate * 1000) / 1000 } : {}),
    ...(video.mode === 'copy' && source?.avc ? { videoCodec: avcCodecString(source.avc) } : {}),
    audio: rendition.audio !== 'none' && !!output.audio,
  };
}

/** Pure: an H.264 stream's RFC 6381 codec string (avc1.PPCCLL) from its avcC. */
export function avcCodecString(avc: { profile: number; compatibility?: number; level: number }): string {
  const hex = (byte: number) => byte.toString(16).padStart(2, '0');
  return `avc1.${hex(avc.profile)}${hex(avc.compatibility ?? 0)}${hex(avc.level)}`;
}
