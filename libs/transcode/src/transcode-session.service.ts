import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { firstValueFrom, map, merge, startWith, switchMap, takeUntil, timer } from 'rxjs';
import { FfmpegCommandBuilder, FfmpegProcessSupervisor, ProcessExit } from '@app/ffmpeg';
import { RECORDING_SOURCE, RecordingSource, RecordingTimeline, planTimeline } from '@app/recordings';
import { InvalidSettingError } from '@app/common';
import { SessionCameraResolver, StreamTokenService } from '@app/auth';
import { Clock } from './clock';
import { decideSegmentAction, nextViewerHead } from './encoder-decisions';
import { EncoderSelector, EncoderStatus } from './encoder-selector.service';
import { renderVodPlaylist, segmentUri } from './media-playlist';
import { planSegments } from './segment-plan';
import { SessionEncoderService } from './session-encoder.service';
import { SessionFilesStore } from './session-files.store';
import { sessionLog } from './session-log';
import { transcodeSessionId } from './session-id';
import { findStaleSessions } from './stale-sessions';
import {
  FirstSegmentTimeoutException,
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
    await Promise.all([...this.sessions.values()].map((session) => this.stop(session)));
  }

  /**
   * Starts a session for the range, or joins the one that exists, and resolves once its first
   * segment is playable. Everything between the registry lookup and the insert is synchronous,
   * so any number of identical concurrent requests share one session and one ffmpeg.
   */
  async open(camera: string, start: number, end: number): Promise<TranscodeSession> {
    this.assertRange(start, end);
    const id = transcodeSessionId(camera, start, end);
    await this.stopping.get(id);
    let session = this.sessions.get(id);
    if (!session) {
      const timeline = await this.planRange(camera, start, end);
      await this.stopping.get(id);
      session = this.sessions.get(id) ?? this.launch(id, camera, start, end, timeline);
    }
    session.touch(this.clock.now());
    await session.ready;
    // Deleted while it was starting: the playlist would not be there.
    if (!session.alive) throw new SessionNotFoundException();
    return session;
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
      if (failure) throw new TranscoderFailedException(describeExit(failure), failure.stderrTail);
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
  issueStreamToken(session: TranscodeSession, notAfter?: number): string {
    return this.streamTokens.issue(
      { sessionId: session.id, camera: session.camera },
      this.options.ttlSeconds + session.timeline.durationSeconds,
      notAfter,
    );
  }

  async remove(sessionId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) throw new SessionNotFoundException();
    await this.stop(session);
  }

  /** Stops and deletes every session idle for longer than the TTL; returns how many. */
  async removeStaleSessions(): Promise<number> {
    const ttlMs = this.options.ttlSeconds * 1000;
    let removed = 0;
    for (const session of findStaleSessions(this.sessions.values(), this.clock.now(), ttlMs)) {
      // Stops take a moment each: one requested meanwhile is no longer stale.
      if (this.clock.now() - session.lastAccessAt <= ttlMs || session.hasWaiters) continue;
      this.logger.log(sessionLog(session, 'idle past the TTL: removing'));
      await this.stop(session);
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

  private get waitWindowSegments(): number {
    return Math.max(2, Math.ceil(WAIT_WINDOW_SECONDS / this.options.segmentDurationSeconds));
  }

  private assertRange(start: number, end: number): void {
    if (!(end > start)) throw new InvalidRangeException('end must be after start');
    if (end - start > this.options.maxRangeSeconds) {
      throw new InvalidRangeException(
        `range of ${Math.round(end - start)} s is longer than the maximum of ${this.options.maxRangeSeconds} s`,
      );
    }
  }

  private async planRange(camera: string, start: number, end: number): Promise<RecordingTimeline> {
    const files = await this.recordings.findRecordings(camera, start, end);
    const timeline = planTimeline(files, start, end);
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
  ): TranscodeSession {
    if (this.encodingCount() >= this.options.maxConcurrentTranscodes) {
      throw new TooManyTranscodesException(this.options.maxConcurrentTranscodes);
    }
    const segments = planSegments(timeline, this.options.segmentDurationSeconds);
    const session = new TranscodeSession(id, camera, start, end, timeline, segments, this.clock.now());
    this.sessions.set(id, session);
    this.stopEncoderWhenIdle(session);
    session.ready = this.prepare(session).catch(async (error: unknown) => {
      this.logger.error(sessionLog(session, `could not start: ${(error as Error).message}`));
      await this.stop(session);
      throw error;
    });
    return session;
  }

  private async prepare(session: TranscodeSession): Promise<void> {
    await this.files.createSessionDir(session.id);
    await this.segmentFile(session, 0);
    if (session.state === 'starting') session.state = 'active';
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
  private stop(session: TranscodeSession): Promise<void> {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    if (session.state === 'stopped') return this.stopping.get(session.id) ?? Promise.resolve();
    session.state = 'stopped';
    const stopped = (async () => {
      // Under the lock: a restart in progress finishes first, and none starts after this.
      await session.lock.runExclusive(() => this.encoders.stop(session));
      session.notifyEncoderChanged();
      session.closeEvents();
      await this.files.removeSessionDir(session.id);
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

function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `could not start (${exit.spawnError})`;
  if (exit.signal) return `killed by ${exit.signal}`;
  if (exit.code === 0) return 'it produced no video from the recordings';
  return `exit code ${exit.code}`;
}
