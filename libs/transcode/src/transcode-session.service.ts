import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { firstValueFrom, map, merge, timer } from 'rxjs';
import {
  FfmpegCommandBuilder,
  FfmpegProcessSupervisor,
  ProcessExit,
  buildConcatList,
  parseSegmentListLine,
  toProgressReports,
} from '@app/ffmpeg';
import { RECORDING_SOURCE, RecordingSource, RecordingTimeline, planTimeline } from '@app/recordings';
import { InvalidSettingError } from '@app/common';
import { SessionCameraResolver, StreamTokenService } from '@app/auth';
import { Clock } from './clock';
import { renderEventPlaylist } from './media-playlist';
import { SessionFilesStore } from './session-files.store';
import { transcodeSessionId } from './session-id';
import { findStaleSessions } from './stale-sessions';
import {
  FirstSegmentTimeoutException,
  InvalidRangeException,
  NoRecordingsException,
  SessionNotFoundException,
  TooManyTranscodesException,
  TranscoderFailedException,
  UnknownCameraException,
} from './transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from './transcode.module-definition';
import { TranscodeSession } from './transcode-session';

/** ffmpeg writes `-progress` to stdout and the finished-segment list to fd 3. */
const PROGRESS_FD = 1;
const SEGMENT_LIST_FD = 3;

/**
 * Owns every transcode session: creates or reuses one per camera and range, enforces the
 * encoder limit, answers playlist and segment lookups, and stops sessions that nobody watches.
 */
@Injectable()
export class TranscodeSessionService implements OnModuleInit, BeforeApplicationShutdown, SessionCameraResolver {
  private readonly logger = new Logger(TranscodeSessionService.name);
  private readonly sessions = new Map<string, TranscodeSession>();

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    @Inject(RECORDING_SOURCE) private readonly recordings: RecordingSource,
    private readonly commands: FfmpegCommandBuilder,
    private readonly supervisor: FfmpegProcessSupervisor,
    private readonly files: SessionFilesStore,
    private readonly clock: Clock,
    private readonly streamTokens: StreamTokenService,
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
    let session = this.sessions.get(id);
    if (!session) {
      const timeline = await this.planRange(camera, start, end);
      session = this.sessions.get(id) ?? this.launch(id, camera, start, end, timeline);
    }
    session.touch(this.clock.now());
    await session.ready;
    return session;
  }

  /** A live session, marked as just accessed; 404 when unknown or gone. */
  access(sessionId: string): TranscodeSession {
    const session = this.sessions.get(sessionId);
    if (!session || !session.alive) throw new SessionNotFoundException();
    session.touch(this.clock.now());
    return session;
  }

  playlist(session: TranscodeSession, query?: string): string {
    return renderEventPlaylist(session.segments, {
      targetDurationSeconds: this.options.segmentDurationSeconds,
      complete: session.state !== 'starting' && session.state !== 'encoding',
      query,
    });
  }

  cameraOfSession(sessionId: string): string | undefined {
    return this.sessions.get(sessionId)?.camera;
  }

  /**
   * A stream token for the session's files. It lasts the session TTL plus the range's length
   * (unless STREAM_TOKEN_TTL_SECONDS says otherwise), so a viewer who plays the whole range in
   * real time is never cut off.
   */
  issueStreamToken(session: TranscodeSession): string {
    return this.streamTokens.issue(
      { sessionId: session.id, camera: session.camera },
      this.options.ttlSeconds + session.timeline.durationSeconds,
    );
  }

  list(): TranscodeSession[] {
    return [...this.sessions.values()];
  }

  /** ffmpeg processes currently holding a slot. */
  encodingCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) if (session.holdsEncoderSlot) count += 1;
    return count;
  }

  async remove(sessionId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) throw new SessionNotFoundException();
    await this.stop(session);
  }

  /** Stops and deletes every session idle for longer than the TTL; returns how many. */
  async removeStaleSessions(): Promise<number> {
    const stale = findStaleSessions(this.sessions.values(), this.clock.now(), this.options.ttlSeconds * 1000);
    for (const session of stale) {
      this.logger.log(`session ${session.id} (${session.camera}) idle past the TTL: removing`);
      await this.stop(session);
    }
    return stale.length;
  }

  async checkFfmpeg(): Promise<void> {
    const exit = await this.supervisor.run(this.options.ffmpegPath, this.commands.buildVersionProbe(), 5000);
    if (exit.code !== 0) {
      throw new Error(exit.spawnError ?? `ffmpeg -version exited with code ${exit.code}`);
    }
  }

  checkStorage(): Promise<{ freeBytes: number }> {
    return this.files.checkStorage();
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
    const session = new TranscodeSession(id, camera, start, end, timeline, this.clock.now());
    this.sessions.set(id, session);
    session.ready = this.startEncoder(session).catch(async (error: unknown) => {
      await this.stop(session);
      throw error;
    });
    return session;
  }

  private async startEncoder(session: TranscodeSession): Promise<void> {
    const dir = await this.files.createSessionDir(session.id);
    const concatListPath = await this.files.writeConcatList(
      session.id,
      buildConcatList(
        session.timeline.pieces.map((piece) => {
          const usedSeconds = piece.inpointSeconds + piece.durationSeconds;
          return {
            path: piece.path,
            durationSeconds: usedSeconds,
            // Stop reading a file early only where the range (or the next file) cuts it.
            outpointSeconds: usedSeconds < piece.fileDurationSeconds - 0.001 ? usedSeconds : undefined,
          };
        }),
      ),
    );
    if (session.state === 'stopped') return;
    const args = this.commands.buildHlsTranscode({
      concatListPath,
      inputOffsetSeconds: session.timeline.pieces[0].inpointSeconds,
      durationSeconds: session.timeline.durationSeconds,
      outputDir: dir,
      segmentDurationSeconds: this.options.segmentDurationSeconds,
      maxHeight: this.options.outputMaxHeight,
      preset: this.options.ffmpegPreset,
      segmentListFd: SEGMENT_LIST_FD,
      progressFd: PROGRESS_FD,
    });
    const ffmpeg = this.supervisor.spawn(this.options.ffmpegPath, args, {
      outputFds: [PROGRESS_FD, SEGMENT_LIST_FD],
      cwd: dir,
      label: `ffmpeg[${session.id.slice(0, 8)} ${session.camera}]`,
    });
    session.process = ffmpeg;
    if (ffmpeg.pid !== undefined) await this.files.writePid(session.id, ffmpeg.pid);

    ffmpeg.lines(SEGMENT_LIST_FD).subscribe((line) => {
      const segment = parseSegmentListLine(line);
      // An empty segment (no frame in it) is what ffmpeg announces when the input has no data.
      if (segment && segment.endSeconds > segment.startSeconds) {
        session.addSegment({
          fileName: segment.fileName,
          durationSeconds: Math.max(0, segment.endSeconds - segment.startSeconds),
        });
      }
    });
    toProgressReports(ffmpeg.lines(PROGRESS_FD)).subscribe((progress) => (session.progress = progress));
    void ffmpeg.exited.then((exit) => this.onEncoderExit(session, exit));

    const timeoutSeconds = this.options.segmentWaitTimeoutSeconds;
    const outcome = await firstValueFrom(
      merge(
        session.segmentAdded$.pipe(map(() => 'ready' as const)),
        ffmpeg.exit$,
        timer(timeoutSeconds * 1000).pipe(map(() => 'timeout' as const)),
      ),
      { defaultValue: 'ready' as const },
    );
    if (outcome === 'ready' && session.segments.length > 0) return;
    if (outcome === 'timeout') {
      const tail = ffmpeg.stderrTail();
      this.logger.error(
        `session ${session.id}: no segment within ${timeoutSeconds} s; ffmpeg stderr:\n${tail.join('\n')}`,
      );
      throw new FirstSegmentTimeoutException(timeoutSeconds, tail);
    }
    const exit = outcome === 'ready' ? await ffmpeg.exited : outcome;
    if (session.segments.length > 0) return;
    const reason = exit.code === 0 ? 'it produced no video from the recordings' : describeExit(exit);
    this.logger.error(`session ${session.id}: ffmpeg ended before the first segment: ${reason}`);
    throw new TranscoderFailedException(reason, exit.stderrTail);
  }

  private onEncoderExit(session: TranscodeSession, exit: ProcessExit): void {
    if (session.state === 'stopped') return;
    if (exit.code === 0) {
      session.state = 'complete';
    } else {
      session.state = 'failed';
      this.logger.error(`session ${session.id}: ffmpeg failed (${describeExit(exit)})`);
    }
    session.closeEvents();
  }

  /** Stops ffmpeg and deletes the session and its folder. Safe to call more than once. */
  private async stop(session: TranscodeSession): Promise<void> {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    session.state = 'stopped';
    session.closeEvents();
    await session.process?.stop();
    await this.files.removeSessionDir(session.id);
  }
}

function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `could not start (${exit.spawnError})`;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code}`;
}
