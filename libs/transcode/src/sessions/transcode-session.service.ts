import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { RECORDING_SOURCE, RecordingSource, RecordingTimeline, planTimeline } from '@app/recordings';
import { InvalidSettingError } from '@app/common';
import { SessionCameraResolver, StreamTokenService } from '@app/auth';
import { Clock } from '../clock';
import { DiskBudgetService } from '../storage/disk-budget.service';
import { EncoderSelector } from '../policy/encoder-selector.service';
import type { EncoderStatus } from '../policy/encoder-choice';
import { FfmpegHealth } from '../ffmpeg-health.service';
import { renderVodPlaylist } from '../hls/media-playlist';
import { segmentUri } from '../hls/hls-names';
import { FfmpegProcessSlots } from '../scheduler/ffmpeg-process-slots';
import { DEFAULT_MAX_USER_SHARE, fairShareSlots, mayTakeEncoderSlot } from '../policy/fair-share';
import { SessionDriver } from '../scheduler/session-driver';
import { SchedulerConfig } from '../scheduler/session-scheduler';
import type { PlaybackSpeed } from '../model/playback-speed';
import { chooseRendition, planRenditionSegments } from '../plan/rendition';
import { SessionEncoderService } from '../scheduler/session-encoder.service';
import { ForeignSessionDirError, SessionFilesStore } from '../storage/session-files.store';
import { sessionLog } from '../model/session-log';
import { SessionTable } from './session-table';
import type { SessionEngine } from '../routing/session-engine';
import { TranscodeEvents } from '../transcode-events';
import { SessionCreationRateLimiter } from './session-creation.rate-limiter';
import { transcodeSessionId } from '../model/session-id';
import { findStaleSessions } from '../policy/stale-sessions';
import { H264RangeException, isAllH264, isH264RangeRefusal, sourceVideoCodecs } from '../policy/h264-hand-off';
import {
  InvalidRangeException,
  NoRecordingsException,
  SegmentNotFoundException,
  SessionNotFoundException,
  TooManyTranscodesException,
  TooManyUserSessionsException,
  TranscoderUnavailableException,
  UnknownCameraException,
} from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import type { OpenOptions } from '../model/session-views';
import { TranscodeSession } from './transcode-session';

/**
 * A segment this close ahead of what a run is making is waited for; further ahead, a new run
 * there is quicker. Wide enough for a player's (or several players') prefetch.
 */
const WAIT_WINDOW_SECONDS = 24;
/** An encoder this far ahead of its viewer has time to spare: it runs at the lowest priority. */
const COMFORTABLE_AHEAD_SECONDS = 12;
/** Runs per session: one per viewer position, up to this many. */
export const DEFAULT_MAX_RUNS_PER_SESSION = 3;
/** A run paused for another viewer's seek that nobody came back to stops after this long. */
const SUPERSEDED_RUN_MS = 10_000;

/**
 * The front of the engine: creates or joins the session of a camera and range (deduplicated,
 * admitted within the limits), answers its playlist and segment requests through the session's
 * driver, and removes sessions on request or past their TTL.
 */
@Injectable()
export class TranscodeSessionService implements OnModuleInit, BeforeApplicationShutdown, SessionCameraResolver, SessionEngine {
  private readonly logger = new Logger(TranscodeSessionService.name);
  /** New sessions being admitted (planned, counted, given room), by id. */
  private readonly admitting = new Map<string, Promise<TranscodeSession>>();
  /** The first segment requests of sessions not yet active: when the first came, and how many wait. */
  private readonly firstRequests = new WeakMap<TranscodeSession, { askedAt: number; waiting: number }>();
  /** Each session's playlist, rendered once, split where the segment query goes. */
  private readonly playlists = new WeakMap<TranscodeSession, { parts: string[]; last: { query: string; text: string } | null }>();

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    @Inject(RECORDING_SOURCE) private readonly recordings: RecordingSource,
    private readonly table: SessionTable,
    private readonly encoders: SessionEncoderService,
    private readonly slots: FfmpegProcessSlots,
    private readonly files: SessionFilesStore,
    private readonly disk: DiskBudgetService,
    private readonly ffmpeg: FfmpegHealth,
    private readonly clock: Clock,
    private readonly streamTokens: StreamTokenService,
    private readonly encoderSelector: EncoderSelector,
    private readonly events: TranscodeEvents,
    private readonly creationLimiter: SessionCreationRateLimiter,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.files.prepareRoot();
    await this.files.removeLeftovers();
    const probe = await this.ffmpeg.check().catch((error: Error) => error);
    if (probe instanceof Error) {
      throw new InvalidSettingError(`Invalid setting FFMPEG_PATH=${JSON.stringify(this.options.ffmpegPath)}: ${probe.message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.table.sessions().map((session) => this.table.stop(session, 'shutdown')));
  }

  /**
   * Starts a session for the range, or joins the one that exists, and resolves once its first
   * segment is playable (or, not waiting, once it is planned: then nothing runs until a segment
   * is asked, and the first segment request decides where its first run starts). Everything
   * between the registry lookup and the insert is synchronous, so any number of identical
   * concurrent requests share one session and one ffmpeg.
   */
  async open(
    camera: string,
    start: number,
    end: number,
    requester?: string,
    { waitForFirstSegment = true, speed = 1, handOffH264 = false }: OpenOptions = {},
  ): Promise<TranscodeSession> {
    this.assertRange(start, end);
    const id = transcodeSessionId(camera, start, end, speed);
    await this.table.stopped(id);
    let session = this.table.get(id)?.session;
    if (!session) {
      // Identical requests that arrive while the first is still being admitted share its
      // admission: one plan, one count against the rate limit, one answer.
      let admitting = this.admitting.get(id);
      if (!admitting) {
        admitting = this.admit(id, camera, start, end, speed, requester, { handOffH264, firstSegment: waitForFirstSegment }).finally(() =>
          this.admitting.delete(id),
        );
        this.admitting.set(id, admitting);
      }
      session = await admitting.catch((error: unknown) => {
        // An admission shared with a caller that hands H.264 off (the front door): this one transcodes it.
        if (handOffH264 || !isH264RangeRefusal(error)) throw error;
        return this.admit(id, camera, start, end, speed, requester, { firstSegment: waitForFirstSegment });
      });
    }
    session.touch(this.clock.now());
    // Not waiting: nothing is asked of it; its first segment request waits instead (and sees the failure, if any).
    if (!waitForFirstSegment) return session;
    await session.ready;
    // Deleted while it was starting: the playlist would not be there.
    if (!session.alive) throw new SessionNotFoundException();
    // Joined a session opened without waiting (the front door's) whose segment 0 nobody asked
    // for: this answer promises a playlist that plays at once.
    if (!session.readyFile(0)) await this.segmentFile(session, 0);
    return session;
  }

  /**
   * Lets a new session in, then plans its range: the creator's session cap, the encoder limit
   * and the rate limit are checked first, so a refused create costs no recordings lookup (a
   * client hammering creates makes no disk work). Then the disk budget. Everything from the
   * last registry lookup to the insert is synchronous.
   */
  private async admit(
    id: string,
    camera: string,
    start: number,
    end: number,
    speed: PlaybackSpeed,
    requester: string | undefined,
    { handOffH264 = false, firstSegment }: { handOffH264?: boolean; firstSegment: boolean },
  ): Promise<TranscodeSession> {
    if (!this.table.has(id) && requester) {
      this.assertUnderUserCap(requester);
      // A create refused for the encoder limit must not count against the rate limit too.
      this.assertEncoderRoom(requester);
      await this.creationLimiter.consume(requester);
    }
    const timeline = await this.planRange(camera, start, end);
    // See OpenOptions.handOffH264: H.264 the caller plays as it is starts nothing here.
    const codecs = handOffH264 ? sourceVideoCodecs(timeline.pieces) : [];
    if (isAllH264(codecs) && !this.table.has(id)) throw new H264RangeException();
    if (!this.table.has(id)) await this.disk.assertRoomForNewSession();
    await this.table.stopped(id);
    const existing = this.table.get(id)?.session;
    if (existing) return existing;
    // The caps again, synchronously with the insert (launch checks the encoder limit): creates
    // that ran at once all passed the first check before any of them was in the table.
    if (requester) this.assertUnderUserCap(requester);
    const session = this.launch(id, camera, start, end, timeline, { owner: requester, speed, firstSegment: firstSegment && codecs !== undefined });
    session.awaitingHandOff = codecs === undefined;
    return session;
  }

  /** 429 while MAX_CONCURRENT_TRANSCODES sessions are encoding, unless others hold more than their share (mayTakeEncoderSlot). */
  private assertEncoderRoom(requester?: string): void {
    const now = this.clock.now();
    const holders = this.table.sessions().flatMap((session) => (session.holdsEncoderSlot(now, this.openedHoldMs) ? [session.owner] : []));
    const share = fairShareSlots(this.options.maxConcurrentTranscodes, this.options.maxUserShare ?? DEFAULT_MAX_USER_SHARE);
    if (mayTakeEncoderSlot(holders, requester, this.options.maxConcurrentTranscodes, share)) return;
    this.events.publish({ type: 'session-rejected', reason: 'concurrency_limit' });
    throw new TooManyTranscodesException(this.options.maxConcurrentTranscodes);
  }

  /** 429 once `requester` has MAX_SESSIONS_PER_USER live sessions of its own. */
  private assertUnderUserCap(requester: string): void {
    const cap = this.options.maxSessionsPerUser;
    if (!cap || this.table.countOwnedBy(requester) < cap) return;
    this.events.publish({ type: 'session-rejected', reason: 'user_limit' });
    throw new TooManyUserSessionsException(cap);
  }

  /**
   * Takes over the session of a range whose node died: registered here at once, without asking
   * for any segment (the request that comes with the takeover asks for the one it needs, and
   * its first run starts there).
   */
  async adopt(camera: string, start: number, end: number, speed: PlaybackSpeed = 1): Promise<TranscodeSession> {
    this.assertRange(start, end);
    const id = transcodeSessionId(camera, start, end, speed);
    await this.table.stopped(id);
    const existing = this.table.get(id)?.session;
    if (existing) return existing;
    const timeline = await this.planRange(camera, start, end);
    if (!this.table.has(id)) await this.disk.assertRoomForNewSession();
    // Not limited by MAX_CONCURRENT_TRANSCODES: the session exists and its viewer is waiting
    // (its runs still take process slots, as every run does).
    const session = this.table.get(id)?.session ?? this.launch(id, camera, start, end, timeline, { firstSegment: false, admit: false, speed });
    await session.ready;
    if (!session.alive) throw new SessionNotFoundException();
    return session;
  }

  /** A live session of this node, or undefined (no access recorded). */
  localSession(sessionId: string): TranscodeSession | undefined {
    const session = this.table.get(sessionId)?.session;
    return session?.alive ? session : undefined;
  }

  /** Whether a new session of this id is being admitted here right now (planned, counted, given room). */
  isAdmitting(sessionId: string): boolean {
    return this.admitting.has(sessionId);
  }

  /**
   * Sessions with a run encoding now (paused ones do not count), and those being admitted:
   * what this node's encoder slots hold.
   */
  encodingSessionIds(): string[] {
    const now = this.clock.now();
    const encoding = this.table
      .sessions()
      .filter((session) => session.holdsEncoderSlot(now, this.openedHoldMs))
      .map((session) => session.id);
    return [...new Set([...encoding, ...this.admitting.keys()])];
  }

  /** A live session, marked as just accessed; 404 when unknown or gone. */
  access(sessionId: string): TranscodeSession {
    const session = this.table.get(sessionId)?.session;
    if (!session || !session.alive) throw new SessionNotFoundException();
    session.touch(this.clock.now());
    return session;
  }

  cameraOfSession(sessionId: string): string | undefined {
    return this.table.get(sessionId)?.session.camera;
  }

  /**
   * The media playlist, its segment URIs carrying `query`. The body is rendered once per session
   * (a 6-hour range is 3 MB); a request only joins it with its query.
   */
  playlist(session: TranscodeSession, query?: string): string {
    let cached = this.playlists.get(session);
    if (!cached) {
      cached = { parts: renderVodPlaylist(session.segments, { query: QUERY_MARK, speed: session.speed }).split(`?${QUERY_MARK}`), last: null };
      this.playlists.set(session, cached);
    }
    const suffix = query ? `?${query}` : '';
    if (cached.last?.query !== suffix) cached.last = { query: suffix, text: cached.parts.join(suffix) };
    return cached.last.text;
  }

  /**
   * The file of segment `index`, once it is finished: at once when it is, otherwise when the
   * session's scheduler has had it made. `signal` aborts when the client goes away: the request
   * is withdrawn and steers nothing.
   */
  async segmentFile(session: TranscodeSession, index: number, signal?: AbortSignal): Promise<string> {
    if (!Number.isInteger(index) || index < 0 || index >= session.segments.length) {
      throw new SegmentNotFoundException(segmentUri(index));
    }
    const entry = this.table.get(session.id);
    if (!session.alive || !entry || entry.session !== session) throw new SessionNotFoundException();
    const askedAt = this.clock.now();
    session.noteRequest(index, askedAt, this.disk.positionMemoryMs);
    // A session opened without waiting (the front door's playlists) may be asked for a segment
    // while its folder is still being made: no run starts before it is there.
    if (!session.hasFolder) {
      await session.folderMade;
      if (!session.alive) throw new SessionNotFoundException();
    }
    if (session.state !== 'opened' && session.state !== 'starting') return entry.driver.segment(index, signal);
    return this.firstSegment(session, askedAt, () => entry.driver.segment(index, signal));
  }

  /**
   * A segment request of a session that has served none yet: the first makes it 'starting' (its
   * run starts where that request asks), the first answered makes it 'active' and is its time to
   * first segment, counted from the first request. When every one of them has failed or been
   * withdrawn with no segment made, it is 'opened' again: the next request is its first.
   */
  private async firstSegment(session: TranscodeSession, askedAt: number, request: () => string | Promise<string>): Promise<string> {
    let first = this.firstRequests.get(session);
    if (session.state === 'opened' || !first) {
      first = { askedAt, waiting: 0 };
      this.firstRequests.set(session, first);
      session.state = 'starting';
    }
    first.waiting += 1;
    try {
      const file = await request();
      if (session.state === 'starting') {
        session.state = 'active';
        this.events.publish({ type: 'first-segment', sessionId: session.id, seconds: (this.clock.now() - first.askedAt) / 1000 });
      }
      return file;
    } finally {
      first.waiting -= 1;
      if (first.waiting === 0 && session.state === 'starting') session.state = 'opened';
    }
  }

  /**
   * The file of segment `index` when it is finished, else undefined; a request all the same (it
   * says where a viewer is, and marks the session accessed). Synchronous: the fast path's lookup.
   */
  readySegment(session: TranscodeSession, index: number): string | undefined {
    const entry = this.table.get(session.id);
    const name = session.readyFile(index);
    if (!name || !session.alive || entry?.session !== session) return undefined;
    session.touch(this.clock.now());
    session.noteRequest(index, this.clock.now(), this.disk.positionMemoryMs);
    entry.driver.segment(index);
    return name;
  }

  list(): TranscodeSession[] {
    return this.table.sessions();
  }

  /**
   * A stream token for the session's files. It lasts the session TTL plus the range's length
   * (unless STREAM_TOKEN_TTL_SECONDS says otherwise), so a viewer who plays the whole range in
   * real time is never cut off; it never outlives the login it was issued to (`notAfter`).
   */
  issueStreamToken(session: { sessionId: string; camera: string; durationSeconds: number }, notAfter?: number): string {
    return this.streamTokens.issue({ sessionId: session.sessionId, camera: session.camera }, this.options.ttlSeconds + session.durationSeconds, notAfter);
  }

  async remove(sessionId: string): Promise<void> {
    const session = this.table.get(sessionId)?.session;
    if (!session) throw new SessionNotFoundException();
    await this.table.stop(session, 'deleted');
  }

  /** Stops and deletes every session idle for longer than the TTL; returns how many. */
  async removeStaleSessions(): Promise<number> {
    const ttlMs = this.options.ttlSeconds * 1000;
    let removed = 0;
    for (const session of findStaleSessions(this.table.sessions(), this.clock.now(), ttlMs)) {
      // Stops take a moment each: one requested meanwhile is no longer stale.
      if (this.clock.now() - session.lastAccessAt <= ttlMs || session.hasWaiters) continue;
      this.logger.log(sessionLog(session, 'idle past the TTL: removing'));
      await this.table.stop(session, 'stale');
      removed += 1;
    }
    return removed;
  }

  checkFfmpegCached(): Promise<void> {
    return this.ffmpeg.checkCached();
  }

  encoderStatus(): EncoderStatus {
    return this.ffmpeg.encoderStatus();
  }

  checkStorage(): Promise<{ freeBytes: number }> {
    return this.files.checkStorage();
  }

  diskUsageBytes(): number {
    return this.disk.usageBytes();
  }

  /** 400 for a range that ends before it starts or is longer than MAX_RANGE_SECONDS. */
  assertRange(start: number, end: number): void {
    if (!(end > start)) throw new InvalidRangeException('end must be after start');
    if (end - start > this.options.maxRangeSeconds) {
      throw new InvalidRangeException(`range of ${Math.round(end - start)} s is longer than the maximum of ${this.options.maxRangeSeconds} s`);
    }
  }

  private async planRange(camera: string, start: number, end: number): Promise<RecordingTimeline> {
    const files = await this.recordings.findRecordings(camera, start, end);
    // The plan's boundaries are the files' frames: their headers say where those are.
    const timeline = planTimeline(await this.recordings.withMedia(files), start, end);
    if (timeline.pieces.length > 0) return timeline;
    const cameras = await this.recordings.listCameras();
    if (!cameras.includes(camera)) throw new UnknownCameraException(camera);
    throw new NoRecordingsException(camera, start, end);
  }

  /**
   * How long a session opened without waiting holds an encoder slot, from its last request,
   * before a segment is asked: as long as a run nobody asks of would hold one (IDLE_TIMEOUT_SECONDS).
   */
  private get openedHoldMs(): number {
    return this.options.idleTimeoutSeconds * 1000;
  }

  /** The scheduler's settings, from the module's. */
  private get schedulerConfig(): Omit<SchedulerConfig, 'hardwareAllowed'> {
    const segment = this.options.segmentDurationSeconds;
    const lookaheadSegments = Math.max(1, Math.ceil(this.options.lookaheadSeconds / segment));
    return {
      waitWindowSegments: Math.max(2, Math.ceil(WAIT_WINDOW_SECONDS / segment)),
      lookaheadSegments,
      comfortableSegments: Math.min(lookaheadSegments, Math.ceil(COMFORTABLE_AHEAD_SECONDS / segment)),
      maxRunsPerSession: this.options.maxRunsPerSession ?? DEFAULT_MAX_RUNS_PER_SESSION,
      idleMs: this.options.idleTimeoutSeconds * 1000,
      supersededMs: Math.min(SUPERSEDED_RUN_MS, this.options.idleTimeoutSeconds * 1000),
      segmentWaitMs: this.options.segmentWaitTimeoutSeconds * 1000,
    };
  }

  /** Synchronous: checks the encoder limit and registers the session before anything awaits. */
  private launch(
    id: string,
    camera: string,
    start: number,
    end: number,
    timeline: RecordingTimeline,
    { firstSegment = true, admit = true, owner, speed = 1 }: { firstSegment?: boolean; admit?: boolean; owner?: string; speed?: PlaybackSpeed } = {},
  ): TranscodeSession {
    if (admit) this.assertEncoderRoom(owner);
    const rendition = chooseRendition(timeline.pieces, speed, { allowCopy: this.options.remuxH264 ?? true });
    const segments = planRenditionSegments(timeline, this.options.segmentDurationSeconds, rendition);
    const session = new TranscodeSession(id, camera, start, end, timeline, segments, this.clock.now(), owner, rendition);
    // Decided now rather than at its first run: the master playlist describes it before any run.
    session.outputFormat(this.options.outputMaxHeight);
    const driver = new SessionDriver(session, {
      encoders: this.encoders,
      slots: this.slots,
      selector: this.encoderSelector,
      clock: this.clock,
      events: this.events,
      config: this.schedulerConfig,
      onSegmentStored: () => this.disk.afterSegmentStored(),
    });
    session.attachProduction(driver);
    this.table.add({ session, driver });
    this.events.publish({ type: 'session-started', sessionId: id, camera, start, end, durationSeconds: timeline.durationSeconds });
    session.folderMade = this.makeFolder(session);
    session.ready = this.prepare(session, firstSegment).catch(async (error: unknown) => {
      this.logger.error(sessionLog(session, `could not start: ${(error as Error).message}`));
      await this.table.stop(session, 'failed', error as Error);
      throw error;
    });
    // A session opened without waiting has nobody on `ready`: its failure is logged above and
    // met by the segment requests (the session is gone), never an unhandled rejection.
    session.ready.catch(() => undefined);
    return session;
  }

  /** The session's folder; a failure is the session's (its requests learn it), told without a server path. */
  private async makeFolder(session: TranscodeSession): Promise<void> {
    await this.files.createSessionDir(session.id).catch((error: Error) => {
      // The path and the system's reason go to the log (and to /health's detail): a client learns no server path.
      this.logger.error(sessionLog(session, `TRANSCODE_DIR: ${error.message}`));
      throw new TranscoderUnavailableException(
        error instanceof ForeignSessionDirError
          ? "a folder of this session's name in TRANSCODE_DIR was not made by this service, and is left alone"
          : 'TRANSCODE_DIR is not writable',
      );
    });
    session.hasFolder = true;
  }

  /**
   * Its folder, then (for the API's create) its first segment. A session opened without waiting
   * asks for nothing: it stays 'opened', with no run, until a segment is asked of it.
   */
  private async prepare(session: TranscodeSession, firstSegment: boolean): Promise<void> {
    await session.folderMade;
    if (firstSegment) await this.segmentFile(session, 0);
  }
}

/** Stands for the segment query in a session's rendered playlist until a request fills it in. */
const QUERY_MARK = '\u0000q';
