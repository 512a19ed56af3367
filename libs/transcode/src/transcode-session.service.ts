import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { firstValueFrom, map, merge, startWith, switchMap, takeUntil, timer } from 'rxjs';
import { FfmpegCommandBuilder, FfmpegProcessSupervisor, ProcessExit } from '@app/ffmpeg';
import { RECORDING_SOURCE, RecordingSource, RecordingTimeline, planTimeline } from '@app/recordings';
import { InvalidSettingError } from '@app/common';
import { SessionCameraResolver, StreamTokenService } from '@app/auth';
import { Clock } from './clock';
import { decideSegmentAction, nextViewerHead } from './encoder-decisions';
import { pieceIndexAt } from './encoder-input';
import { EncoderSelector, EncoderStatus } from './encoder-selector.service';
import { renderVodPlaylist, segmentUri } from './media-playlist';
import { planSegments } from './segment-plan';
import { SessionEncoderService } from './session-encoder.service';
import { MIN_FREE_BYTES, SessionFilesStore } from './session-files.store';
import { planDiskReclaim, viewerPositionsFrom } from './disk-budget';
import { sessionLog } from './session-log';
import { SessionRemovalReason, TranscodeEvents } from './transcode-events';
import { SessionCreationRateLimiter } from './session-creation.rate-limiter';
import { transcodeSessionId } from './session-id';
import { findStaleSessions } from './stale-sessions';
import {
  FirstSegmentTimeoutException,
  InsufficientStorageException,
  TranscoderUnavailableException,
  InvalidRangeException,
  NoRecordingsException,
  SegmentNotFoundException,
  SessionNotFoundException,
  TooManyTranscodesException,
  TranscoderFailedException,
  UnknownCameraException,
} from './transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from './transcode.module-definition';
import { TranscodeSession } from './transcode-session';

/**
 * A segment this close ahead of what the encoder is making is waited for; further ahead, a
 * restart there is quicker. Wide enough for a player's (or several players') prefetch, which
 * must never make the encoder jump back and forth.
 */
const WAIT_WINDOW_SECONDS = 24;
/** How long the health check reuses its last ffmpeg probe. */
const FFMPEG_PROBE_CACHE_MS = 5000;
/** Past this share of TRANSCODE_MAX_DISK_MB, room is made down to the low-water share. */
const DISK_HIGH_WATER = 0.9;
const DISK_LOW_WATER = 0.75;
/** Segments this far behind the viewer furthest back are kept, so a short seek back needs no encode. */
const KEEP_BEHIND_SECONDS = 60;
/**
 * Requests of the last this-many seconds say where viewers are. Longer than a player's pause
 * between two fetches (hls.js keeps 30 s buffered, so about a segment length), short enough
 * that a viewer's trail behind it is not taken for another viewer.
 */
const VIEWER_POSITION_MEMORY_MS = 20_000;

/**
 * Owns every transcode session: creates or reuses one per camera and range, enforces the
 * encoder limit, answers playlist and segment requests (serve, wait or restart the encoder
 * there), stops encoders nobody is watching, and removes sessions past their TTL.
 */
@Injectable()
export class TranscodeSessionService implements OnModuleInit, BeforeApplicationShutdown, SessionCameraResolver {
  private readonly logger = new Logger(TranscodeSessionService.name);
  private readonly sessions = new Map<string, TranscodeSession>();
  /** Sessions being stopped: a new session with the same id waits for its folder to be gone. */
  private readonly stopping = new Map<string, Promise<void>>();
  private ffmpegProbe: { at: number; result: Promise<void> } | null = null;
  /** New sessions being admitted (planned, counted, given room), by id. */
  private readonly admitting = new Map<string, Promise<TranscodeSession>>();
  /** The disk reclaim in progress, if any: one at a time. */
  private reclaiming: Promise<number> | null = null;

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    @Inject(RECORDING_SOURCE) private readonly recordings: RecordingSource,
    private readonly commands: FfmpegCommandBuilder,
    private readonly supervisor: FfmpegProcessSupervisor,
    private readonly files: SessionFilesStore,
    private readonly encoders: SessionEncoderService,
    private readonly clock: Clock,
    private readonly streamTokens: StreamTokenService,
    private readonly encoderSelector: EncoderSelector,
    private readonly events: TranscodeEvents,
    private readonly creationLimiter: SessionCreationRateLimiter,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.files.prepareRoot();
    await this.files.removeLeftovers();
    const probe = await this.checkFfmpeg().catch((error: Error) => error);
    if (probe instanceof Error) {
      throw new InvalidSettingError(
        `Invalid setting FFMPEG_PATH=${JSON.stringify(this.options.ffmpegPath)}: ${probe.message}`,
      );
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => this.stop(session, 'shutdown')));
  }

  /**
   * Starts a session for the range, or joins the one that exists, and resolves once its first
   * segment is playable. Everything between the registry lookup and the insert is synchronous,
   * so any number of identical concurrent requests share one session and one ffmpeg.
   */
  async open(camera: string, start: number, end: number, requester?: string): Promise<TranscodeSession> {
    this.assertRange(start, end);
    const id = transcodeSessionId(camera, start, end);
    await this.stopping.get(id);
    let session = this.sessions.get(id);
    if (!session) {
      // Identical requests that arrive while the first is still being admitted share its
      // admission: one plan, one count against the rate limit, one answer.
      let admitting = this.admitting.get(id);
      if (!admitting) {
        admitting = this.admit(id, camera, start, end, requester).finally(() => this.admitting.delete(id));
        this.admitting.set(id, admitting);
      }
      session = await admitting;
    }
    session.touch(this.clock.now());
    await session.ready;
    // Deleted while it was starting: the playlist would not be there.
    if (!session.alive) throw new SessionNotFoundException();
    return session;
  }

  /**
   * Plans a new session's range and lets it in: within the creator's rate limit and the disk
   * budget. Everything from the last registry lookup to the insert is synchronous.
   */
  private async admit(id: string, camera: string, start: number, end: number, requester?: string): Promise<TranscodeSession> {
    const timeline = await this.planRange(camera, start, end);
    if (!this.sessions.has(id) && requester) await this.creationLimiter.consume(requester);
    if (!this.sessions.has(id)) await this.assertRoomForNewSession();
    await this.stopping.get(id);
    return this.sessions.get(id) ?? this.launch(id, camera, start, end, timeline);
  }

  /**
   * Takes over the session of a range whose node died: registered here at once, without waiting
   * for its first segment (the request that comes with the takeover asks for the segment it needs).
   */
  async adopt(camera: string, start: number, end: number): Promise<TranscodeSession> {
    this.assertRange(start, end);
    const id = transcodeSessionId(camera, start, end);
    await this.stopping.get(id);
    const existing = this.sessions.get(id);
    if (existing) return existing;
    const timeline = await this.planRange(camera, start, end);
    if (!this.sessions.has(id)) await this.assertRoomForNewSession();
    // Not limited by MAX_CONCURRENT_TRANSCODES: the session exists and its viewer is waiting (as a seek is never refused).
    const session = this.sessions.get(id) ?? this.launch(id, camera, start, end, timeline, { firstSegment: false, admit: false });
    await session.ready;
    if (!session.alive) throw new SessionNotFoundException();
    return session;
  }

  /** A live session of this node, or undefined (no access recorded). */
  localSession(sessionId: string): TranscodeSession | undefined {
    const session = this.sessions.get(sessionId);
    return session?.alive ? session : undefined;
  }

  /** Whether a new session of this id is being admitted here right now (planned, counted, given room). */
  isAdmitting(sessionId: string): boolean {
    return this.admitting.has(sessionId);
  }

  /**
   * Sessions whose ffmpeg is encoding now (paused ones do not count), and those being admitted:
   * what this node's encoder slots hold.
   */
  encodingSessionIds(): string[] {
    const encoding = [...this.sessions.values()].filter((session) => session.isEncoding).map((session) => session.id);
    return [...new Set([...encoding, ...this.admitting.keys()])];
  }

  /** A live session, marked as just accessed; 404 when unknown or gone. */
  access(sessionId: string): TranscodeSession {
    const session = this.sessions.get(sessionId);
    if (!session || !session.alive) throw new SessionNotFoundException();
    session.touch(this.clock.now());
    return session;
  }

  cameraOfSession(sessionId: string): string | undefined {
    return this.sessions.get(sessionId)?.camera;
  }

  playlist(session: TranscodeSession, query?: string): string {
    return renderVodPlaylist(session.segments, { query });
  }

  /**
   * The file of segment `index`, once it is finished: served at once when ready, waited for
   * when the encoder will reach it soon, otherwise the encoder is restarted there (a seek).
   * The decision is taken under the session's lock, so parallel requests (players prefetch)
   * never restart each other's encoder.
   */
  async segmentFile(session: TranscodeSession, index: number): Promise<string> {
    if (!Number.isInteger(index) || index < 0 || index >= session.segments.length) {
      throw new SegmentNotFoundException(segmentUri(index));
    }
    if (!session.alive) throw new SessionNotFoundException();
    session.noteRequest(index, this.clock.now(), this.positionMemoryMs);
    const ready = session.readyFile(index);
    session.viewerHead = nextViewerHead(session.viewerHead, index, session.encoder?.startIndex ?? 0);
    if (ready) {
      this.encoders.applyLookahead(session);
      return ready;
    }
    const doneWaiting = session.startWaiting(index);
    try {
      return await this.waitForSegment(session, index);
    } finally {
      doneWaiting();
    }
  }

  /** The wait/restart loop of segmentFile, bounded by SEGMENT_WAIT_TIMEOUT_SECONDS. */
  private async waitForSegment(session: TranscodeSession, index: number): Promise<string> {
    const timeoutSeconds = this.options.segmentWaitTimeoutSeconds;
    const deadline = this.clock.now() + timeoutSeconds * 1000;
    let restartedHere = false;
    for (;;) {
      const failure = await session.lock.runExclusive(async () => {
        if (session.readyFile(index) || !session.alive) return null;
        const run = session.encoder;
        if (run && this.encoders.failedToStartOnHardware(run)) {
          // The GPU encoder did not start (no device, unsupported profile, session limit): this
          // session goes on in software at once; the viewer waits one more start-up, not a 502.
          session.hardwareFailure = `${describeExit(run.exit!)}${formatStderr(run.exit!.stderrTail)}`;
          this.logger.warn(sessionLog(session, `hardware encoder failed (${session.hardwareFailure}); retrying in software`));
          await this.encoders.startAt(session, index);
          restartedHere = true;
          return null;
        }
        if (restartedHere && run && run.startIndex === index) {
          // A run this request started that died before the segment, or went past it without
          // listing it (no frame there): report it, do not restart in a loop.
          if (run.exit && !run.stopping && run.nextIndex <= index) return run.exit;
          if (run.nextIndex > index) return { code: 0, signal: null, stderrTail: run.process.stderrTail() };
        }
        const encoder =
          run && !run.exit
            ? {
                running: true,
                startIndex: run.startIndex,
                nextIndex: run.nextIndex,
                protectedFromPreemption:
                  run.nextIndex === run.startIndex &&
                  this.clock.now() - run.startedAt < this.options.segmentWaitTimeoutSeconds * 1000,
              }
            : null;
        const action = decideSegmentAction(index, false, encoder, this.waitWindowSegments);
        if (action === 'restart') {
          await this.encoders.startAt(session, index);
          restartedHere = true;
        } else {
          this.encoders.applyLookahead(session);
        }
        return null;
      });
      if (failure?.spawnError) throw new TranscoderUnavailableException(`ffmpeg could not be started (${failure.spawnError})`);
      if (failure) {
        const piece = session.timeline.pieces[pieceIndexAt(session.timeline, session.segments[index].cutSeconds)];
        const recording = recordingLabel(piece.path);
        throw new TranscoderFailedException(describeExit(failure), failure.stderrTail, recording);
      }
      const file = session.readyFile(index);
      if (file) return file;
      if (!session.alive) throw new SessionNotFoundException();
      const remaining = deadline - this.clock.now();
      const outcome = await firstValueFrom(
        merge(
          // Any finished segment may change the decision (a fresh run may now be preempted).
          session.segmentReady$,
          session.encoderChanged$,
          timer(Math.max(0, remaining)).pipe(map(() => 'timeout' as const)),
        ),
        { defaultValue: 'closed' as const },
      );
      if (outcome === 'timeout' && !session.readyFile(index)) {
        const tail = session.encoder?.process.stderrTail() ?? [];
        this.logger.error(sessionLog(session, `segment ${index} not ready within ${timeoutSeconds} s`, { segment: index }));
        throw new FirstSegmentTimeoutException(timeoutSeconds, tail, index);
      }
    }
  }

  list(): TranscodeSession[] {
    return [...this.sessions.values()];
  }

  /** ffmpeg processes encoding right now (paused and stopped ones do not count). */
  encodingCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) if (session.isEncoding) count += 1;
    return count;
  }

  /**
   * A stream token for the session's files. It lasts the session TTL plus the range's length
   * (unless STREAM_TOKEN_TTL_SECONDS says otherwise), so a viewer who plays the whole range in
   * real time is never cut off; it never outlives the login it was issued to (`notAfter`).
   */
  issueStreamToken(session: { sessionId: string; camera: string; durationSeconds: number }, notAfter?: number): string {
    return this.streamTokens.issue(
      { sessionId: session.sessionId, camera: session.camera },
      this.options.ttlSeconds + session.durationSeconds,
      notAfter,
    );
  }

  async remove(sessionId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) throw new SessionNotFoundException();
    await this.stop(session, 'deleted');
  }

  /** Stops and deletes every session idle for longer than the TTL; returns how many. */
  async removeStaleSessions(): Promise<number> {
    const ttlMs = this.options.ttlSeconds * 1000;
    let removed = 0;
    for (const session of findStaleSessions(this.sessions.values(), this.clock.now(), ttlMs)) {
      // Stops take a moment each: one requested meanwhile is no longer stale.
      if (this.clock.now() - session.lastAccessAt <= ttlMs || session.hasWaiters) continue;
      this.logger.log(sessionLog(session, 'idle past the TTL: removing'));
      await this.stop(session, 'stale');
      removed += 1;
    }
    return removed;
  }

  /**
   * The health check's view of ffmpeg: probed at most every few seconds, so that a health
   * endpoint open to anyone cannot be used to make the server spawn processes.
   */
  checkFfmpegCached(): Promise<void> {
    const now = this.clock.now();
    if (!this.ffmpegProbe || now - this.ffmpegProbe.at > FFMPEG_PROBE_CACHE_MS) {
      this.ffmpegProbe = { at: now, result: this.checkFfmpeg() };
    }
    return this.ffmpegProbe.result;
  }

  async checkFfmpeg(): Promise<void> {
    const exit = await this.supervisor.run(this.options.ffmpegPath, this.commands.buildVersionProbe(), 5000);
    if (exit.code !== 0) {
      throw new Error(exit.spawnError ?? `ffmpeg -version exited with code ${exit.code}`);
    }
  }

  /** Which encoder new sessions get, and whether the hardware one has fallen back to software. */
  encoderStatus(): EncoderStatus {
    return this.encoderSelector.status();
  }

  checkStorage(): Promise<{ freeBytes: number }> {
    return this.files.checkStorage();
  }

  /** Bytes of finished segments in TRANSCODE_DIR, over every live session. */
  diskUsageBytes(): number {
    let bytes = 0;
    for (const session of this.sessions.values()) bytes += session.storedBytes;
    return bytes;
  }

  /** How long a request marks where a viewer is; quieter than that, a session is idle. */
  private get viewerMemoryMs(): number {
    return this.options.idleTimeoutSeconds * 1000;
  }

  /** How long a request says where a viewer is: never longer than it takes a session to be idle. */
  private get positionMemoryMs(): number {
    return Math.min(VIEWER_POSITION_MEMORY_MS, this.viewerMemoryMs);
  }

  /** After a segment is stored: past the high-water mark, room is made down to the low one. */
  private afterSegmentStored(): void {
    const budget = this.options.maxDiskBytes;
    if (!budget || this.reclaiming || this.diskUsageBytes() <= budget * DISK_HIGH_WATER) return;
    this.reclaiming = this.reclaimDisk(budget * DISK_LOW_WATER)
      .catch((error: Error) => {
        this.logger.error(`disk reclaim failed: ${error.message}`);
        return this.diskUsageBytes();
      })
      .finally(() => (this.reclaiming = null));
  }

  /**
   * Deletes segments far behind every viewer, then idle sessions (longest unrequested first),
   * until the segments take at most `targetBytes`; returns what they take afterwards.
   */
  private async reclaimDisk(targetBytes: number): Promise<number> {
    const now = this.clock.now();
    const memory = this.viewerMemoryMs;
    const keepBehind = Math.ceil(KEEP_BEHIND_SECONDS / this.options.segmentDurationSeconds);
    const live = [...this.sessions.values()].filter((session) => session.alive);
    const plan = planDiskReclaim(
      live.map((session) => {
        const viewerPositions = viewerPositionsFrom(session.recentlyRequested(now, this.positionMemoryMs), keepBehind);
        return {
          id: session.id,
          lastAccessAt: session.lastAccessAt,
          idle:
            session.state === 'active' &&
            viewerPositions.length === 0 &&
            now - session.lastAccessAt > memory &&
            !session.hasWaiters,
          segments: session.storedSegments(),
          viewerPositions,
        };
      }),
      targetBytes,
      keepBehind,
    );
    for (const [id, indices] of plan.deleteSegments) {
      const session = this.sessions.get(id);
      if (!session) continue;
      // A reader that already opened one keeps its descriptor; a later request makes it again.
      const files = indices.map((index) => session.forget(index)).filter((file): file is string => !!file);
      await Promise.all(files.map((file) => this.files.removeFile(id, file).catch(() => undefined)));
      this.logger.log(sessionLog(session, `disk budget: deleted ${files.length} segment(s) far behind its viewers`));
    }
    for (const id of plan.evictSessions) {
      const session = this.sessions.get(id);
      if (!session) continue;
      this.logger.log(sessionLog(session, 'disk budget: evicting this idle session'));
      await this.stop(session, 'evicted');
    }
    return this.diskUsageBytes();
  }

  /**
   * A new session needs room: within TRANSCODE_MAX_DISK_MB (after making room) and above the
   * free-space floor of the filesystem. Otherwise 507, with what is taking the space.
   */
  private async assertRoomForNewSession(): Promise<void> {
    const budget = this.options.maxDiskBytes;
    if (budget) {
      if (this.diskUsageBytes() > budget * DISK_LOW_WATER) await this.reclaimDisk(budget * DISK_LOW_WATER);
      const used = this.diskUsageBytes();
      if (used >= budget * DISK_HIGH_WATER) {
        this.events.publish({ type: 'session-rejected', reason: 'disk_full' });
        throw new InsufficientStorageException(
          `${mebibytes(used)} MiB of TRANSCODE_MAX_DISK_MB=${mebibytes(budget)} are taken by sessions being watched`,
        );
      }
    }
    const free = await this.files.freeBytes().catch(() => null);
    if (free === null || free >= MIN_FREE_BYTES) return;
    await this.reclaimDisk(Math.max(0, this.diskUsageBytes() - (MIN_FREE_BYTES - free)));
    const after = await this.files.freeBytes().catch(() => free);
    if (after < MIN_FREE_BYTES) {
      this.events.publish({ type: 'session-rejected', reason: 'disk_full' });
      throw new InsufficientStorageException(`only ${mebibytes(after)} MiB free on the filesystem of TRANSCODE_DIR`);
    }
  }

  private get waitWindowSegments(): number {
    return Math.max(2, Math.ceil(WAIT_WINDOW_SECONDS / this.options.segmentDurationSeconds));
  }

  /** 400 for a range that ends before it starts or is longer than MAX_RANGE_SECONDS. */
  assertRange(start: number, end: number): void {
    if (!(end > start)) throw new InvalidRangeException('end must be after start');
    if (end - start > this.options.maxRangeSeconds) {
      throw new InvalidRangeException(
        `range of ${Math.round(end - start)} s is longer than the maximum of ${this.options.maxRangeSeconds} s`,
      );
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

  /** Synchronous: takes the encoder slot and registers the session before anything awaits. */
  private launch(
    id: string,
    camera: string,
    start: number,
    end: number,
    timeline: RecordingTimeline,
    { firstSegment = true, admit = true }: { firstSegment?: boolean; admit?: boolean } = {},
  ): TranscodeSession {
    if (admit && this.encodingCount() >= this.options.maxConcurrentTranscodes) {
      this.events.publish({ type: 'session-rejected', reason: 'concurrency_limit' });
      throw new TooManyTranscodesException(this.options.maxConcurrentTranscodes);
    }
    const segments = planSegments(timeline, this.options.segmentDurationSeconds);
    const session = new TranscodeSession(id, camera, start, end, timeline, segments, this.clock.now());
    this.sessions.set(id, session);
    this.stopEncoderWhenIdle(session);
    session.segmentReady$.subscribe(() => this.afterSegmentStored());
    this.events.publish({ type: 'session-started', sessionId: id, camera, start, end, durationSeconds: timeline.durationSeconds });
    session.ready = this.prepare(session, firstSegment).catch(async (error: unknown) => {
      this.logger.error(sessionLog(session, `could not start: ${(error as Error).message}`));
      await this.stop(session, 'failed');
      throw error;
    });
    return session;
  }

  private async prepare(session: TranscodeSession, firstSegment: boolean): Promise<void> {
    const askedAt = this.clock.now();
    await this.files.createSessionDir(session.id).catch((error: Error) => {
      throw new TranscoderUnavailableException(`TRANSCODE_DIR is not writable (${error.message})`);
    });
    if (!firstSegment) {
      session.state = 'active';
      return;
    }
    await this.segmentFile(session, 0);
    if (session.state === 'starting') session.state = 'active';
    this.events.publish({ type: 'first-segment', sessionId: session.id, seconds: (this.clock.now() - askedAt) / 1000 });
  }

  /** After IDLE_TIMEOUT_SECONDS without a request the encoder stops; the files stay for the TTL. */
  private stopEncoderWhenIdle(session: TranscodeSession): void {
    session.accessed$
      .pipe(
        startWith(undefined),
        switchMap(() => timer(this.options.idleTimeoutSeconds * 1000)),
        takeUntil(session.closed$),
      )
      .subscribe(() => {
        if (!session.alive || !session.encoderRunning) return;
        // A request still waiting for a segment is not idleness: look again later.
        if (session.hasWaiters) {
          session.touch(this.clock.now());
          return;
        }
        session.lock
          .runExclusive(async () => {
            if (!session.encoderRunning || session.hasWaiters) return;
            this.logger.log(sessionLog(session, `no request for ${this.options.idleTimeoutSeconds} s, stopping its encoder`));
            await this.encoders.stop(session);
            session.notifyEncoderChanged();
          })
          .catch((error: Error) => this.logger.error(sessionLog(session, `idle stop failed: ${error.message}`)));
      });
  }

  /** Stops ffmpeg and deletes the session and its folder. Safe to call more than once. */
  private stop(session: TranscodeSession, reason: SessionRemovalReason): Promise<void> {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    if (session.state === 'stopped') return this.stopping.get(session.id) ?? Promise.resolve();
    session.state = 'stopped';
    this.events.publish({ type: 'session-removed', sessionId: session.id, reason });
    const stopped = (async () => {
      // Under the lock: a restart in progress finishes first, and none starts after this.
      await session.lock.runExclusive(() => this.encoders.stop(session));
      session.notifyEncoderChanged();
      session.closeEvents();
      // A folder that cannot be removed is logged; it must not hide why the session stopped.
      await this.files.removeSessionDir(session.id).catch((error: Error) =>
        this.logger.warn(sessionLog(session, `could not remove its folder: ${error.message}`)),
      );
    })().finally(() => {
      if (this.stopping.get(session.id) === stopped) this.stopping.delete(session.id);
    });
    this.stopping.set(session.id, stopped);
    return stopped;
  }
}

/** The last stderr lines of an exit, for a log line or a health report. */
function formatStderr(lines: readonly string[]): string {
  const tail = lines.slice(-3);
  return tail.length ? `: ${tail.join(' | ')}` : '';
}

/**
 * A recording as a message names it: its last four path parts (Frigate's day/hour/camera/file),
 * never the directory it lives in or an upstream's address.
 */
function recordingLabel(path: string): string {
  const parts = (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) ? new URL(path).pathname : path).split('/').filter(Boolean);
  return parts.slice(-4).join('/');
}

function mebibytes(bytes: number): number {
  return Math.round(bytes / 1048576);
}

function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `could not start (${exit.spawnError})`;
  if (exit.signal) return `killed by ${exit.signal}`;
  if (exit.code === 0) return 'it produced no video from the recordings';
  return `exit code ${exit.code}`;
}
