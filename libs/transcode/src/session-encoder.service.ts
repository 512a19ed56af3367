import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ENCODER_NICENESS,
  FfmpegProcessSupervisor,
  RELAXED_ENCODER_NICENESS,
  FfmpegProgress,
  buildInputList,
  parseSegmentListLine,
  toProgressReports,
} from '@app/ffmpeg';
import { isTooFarAhead } from './encoder-decisions';
import { planEncoderInput } from './encoder-input';
import { Clock } from './clock';
import { EncoderSelector } from './encoder-selector.service';
import { SessionFilesStore, inputListFileName } from './session-files.store';
import { sessionLog } from './session-log';
import { TranscodeEvents } from './transcode-events';
import { RecordingPresence } from './recording-presence';
import { RecordingGoneException } from './transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from './transcode.module-definition';
import { EncoderRun, TranscodeSession } from './transcode-session';
import { planRunSpan, segmentStartingAt } from './segment-plan';

/** ffmpeg writes `-progress` to stdout and the finished-segment list to fd 3. */
const PROGRESS_FD = 1;
const SEGMENT_LIST_FD = 3;
/** An encoder this far ahead of its viewer has time to spare: it runs at the lowest priority. */
const COMFORTABLE_AHEAD_SECONDS = 12;
/** Files of run 7 are r7_00012.ts, …: runs never overwrite each other's segments. */
const RUN_FILE_REGEX = /^r(\d+)_(\d{5})\.ts$/;

/** How many recordings of a run's list are checked for before it starts (a few minutes of files). */
const RECORDINGS_CHECKED_AHEAD = 32;

/** Whether `name` is the input list of run `runId` (whatever its format). */
function isRunInputList(name: string, runId: number): boolean {
  return name === inputListFileName(runId, 'concat') || name === inputListFileName(runId, 'hls');
}

/**
 * Starts, pauses, resumes and stops the ffmpeg of a session. Callers hold the session's lock
 * around start and stop, so a session never has two encoders.
 */
@Injectable()
export class SessionEncoderService {
  private readonly logger = new Logger(SessionEncoderService.name);

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly selector: EncoderSelector,
    private readonly supervisor: FfmpegProcessSupervisor,
    private readonly files: SessionFilesStore,
    private readonly clock: Clock,
    private readonly events: TranscodeEvents,
    private readonly recordings: RecordingPresence,
  ) {}

  get lookaheadSegments(): number {
    return Math.max(1, Math.ceil(this.options.lookaheadSeconds / this.options.segmentDurationSeconds));
  }

  /** Stops any running encoder and starts one at segment `index`, timestamps aligned to the range. */
  async startAt(session: TranscodeSession, index: number): Promise<EncoderRun> {
    await this.stop(session);
    const segment = session.segments[index];
    const runId = session.nextRunId();
    const dir = this.files.sessionDir(session.id);
    // The run reads from the cut before the segment's first frame (the range's start for the first).
    const span = planRunSpan(session.segments, session.timeline.durationSeconds, index);
    const input = planEncoderInput(session.timeline, segment.cutSeconds, segment.cutSeconds + span.durationSeconds);
    // The NVR may have deleted recordings since the session was planned: none for the start is
    // a clear 410; a later one ends this run's list there (a request past it starts a new run).
    const checked = input.entries.slice(0, RECORDINGS_CHECKED_AHEAD);
    const missing = await this.recordings.missingAmong(checked.map((entry) => entry.path));
    if (missing.has(input.entries[0].path)) throw new RecordingGoneException(index);
    const firstMissing = checked.findIndex((entry) => missing.has(entry.path));
    const entries = firstMissing > 0 ? input.entries.slice(0, firstMissing) : input.entries;
    const list = buildInputList(entries, input.inputOffsetSeconds);
    const listPath = await this.files.writeInputList(session.id, runId, list);
    const builder = this.selector.builderFor(session);
    const output = session.outputFormat(this.options.outputMaxHeight);
    const runHasAudio = !!input.firstPiece.media?.audio;
    const args = builder.buildHlsTranscode({
      input: { format: list.format, path: listPath, protocols: list.protocols },
      seekSeconds: list.seekSeconds,
      durationSeconds: span.durationSeconds,
      // Output times are timeline times: every run writes the same timestamps for the same frame.
      outputOffsetSeconds: segment.cutSeconds,
      // (A millisecond after the first frame: the previous run may have an audio packet that starts there.)
      audioStartSeconds: index === 0 ? 0 : segment.timelineStartSeconds - segment.cutSeconds + 0.001,
      // The AAC encoder's priming frame: in a run that starts mid-range it would overlap the
      // audio of the segment before; in the first run it would make the muxer shift every stream
      // by its length, off the timestamps the other runs write.
      dropAudioPriming: true,
      outputDir: dir,
      segmentFilePrefix: `r${runId}_`,
      startNumber: index,
      keyframeTimes: span.keyframeTimes,
      maxHeight: this.options.outputMaxHeight,
      outputFrame: output.frame,
      audio: output.audio,
      silentAudio: !!output.audio && !runHasAudio,
      preset: this.options.ffmpegPreset,
      segmentListFd: SEGMENT_LIST_FD,
      progressFd: PROGRESS_FD,
    });
    const process = this.supervisor.spawn(this.options.ffmpegPath, args, {
      outputFds: [PROGRESS_FD, SEGMENT_LIST_FD],
      cwd: dir,
      label: `ffmpeg[${session.id.slice(0, 8)} ${session.camera} run ${runId} from #${index} ${builder.videoEncoder}]`,
      logFields: { sessionId: session.id, camera: session.camera, run: runId },
    });
    const run: EncoderRun = {
      id: runId,
      process,
      startIndex: index,
      nextIndex: index,
      startedAt: this.clock.now(),
      exit: null,
      progressAt: null,
      progressPauseCount: 0,
      encoderKind: builder.kind,
      videoEncoder: builder.videoEncoder,
      progress: null,
      stopping: false,
    };
    session.encoder = run;
    session.viewerHead = index;

    process.lines(SEGMENT_LIST_FD).subscribe((line) => this.onSegmentListed(session, run, line));
    toProgressReports(process.lines(PROGRESS_FD)).subscribe((progress) => this.onProgress(session, run, progress));
    this.events.publish({ type: 'encoder-started', sessionId: session.id, encoder: builder.videoEncoder, restart: runId > 1 });
    void process.exited.then((exit) => {
      run.exit = exit;
      if (!run.stopping && (exit.spawnError || (exit.code !== 0 && exit.signal === null))) {
        this.events.publish({ type: 'encoder-failed', sessionId: session.id, encoder: run.videoEncoder });
      }
      if (!run.stopping && exit.code !== 0 && exit.signal === null) {
        this.logger.warn(
          sessionLog(session, `run ${run.id} failed at segment ${run.nextIndex}: ${exit.stderrTail.slice(-3).join(' | ')}`, { run: run.id }),
        );
      }
      session.notifyEncoderChanged();
    });
    if (process.pid !== undefined) await this.files.writePid(session.id, process.pid);
    session.notifyEncoderChanged();
    return run;
  }

  /** Stops the session's encoder (if running) and removes the files its run left unfinished. */
  async stop(session: TranscodeSession): Promise<void> {
    const run = session.encoder;
    if (!run) return;
    run.stopping = true;
    await run.process.stop();
    const served = session.servedFiles();
    await this.files.removeFilesWhere(session.id, (name) => {
      if (isRunInputList(name, run.id)) return true;
      const match = RUN_FILE_REGEX.exec(name);
      return !!match && Number(match[1]) === run.id && !served.has(name);
    });
  }

  /**
   * A hardware run that ended before its first segment, not stopped by us: the session should
   * go on in software (the session service restarts it under its lock).
   */
  failedToStartOnHardware(run: EncoderRun): boolean {
    return run.encoderKind === 'hardware' && !!run.exit && !run.stopping && run.nextIndex === run.startIndex;
  }

  /**
   * Keeps the run's last progress report, and publishes the encode speed between two reports
   * (ffmpeg's own `speed` averages since the start, pauses included).
   */
  private onProgress(session: TranscodeSession, run: EncoderRun, progress: FfmpegProgress): void {
    const previous = run.progress;
    const previousAt = run.progressAt;
    const now = this.clock.now();
    run.progress = progress;
    run.progressAt = now;
    const pauses = run.process.pauseCount;
    const unpaused = pauses === run.progressPauseCount;
    run.progressPauseCount = pauses;
    if (!previous || previousAt === null || !unpaused || now <= previousAt) return;
    const encoded = progress.outTimeSeconds - previous.outTimeSeconds;
    if (encoded > 0) this.events.publish({ type: 'encode-speed', sessionId: session.id, speed: encoded / ((now - previousAt) / 1000) });
  }

  /** The first segment of a run proves its encoder: the hardware works, or the fallback did. */
  private noteFirstSegment(session: TranscodeSession, run: EncoderRun): void {
    if (run.encoderKind === 'hardware') this.selector.hardwareWorked();
    else if (session.hardwareFailure !== null) this.selector.hardwareFailed(session.hardwareFailure);
  }

  /**
   * Pauses the encoder when it is LOOKAHEAD_SECONDS ahead of the viewer and resumes it when it is
   * not. In between, an encoder comfortably ahead runs at the lowest priority, so that on a busy
   * box the CPU goes first to the viewers closest to running out.
   */
  applyLookahead(session: TranscodeSession): void {
    const run = session.encoder;
    if (!run || !run.process.running) return;
    // A run that has not finished its first segment is never paused: someone is waiting for it.
    const started = run.nextIndex > run.startIndex;
    if (started && isTooFarAhead(run.nextIndex, session.demandHead, this.lookaheadSegments)) {
      run.process.pause();
      return;
    }
    run.process.resume();
    const comfortable = isTooFarAhead(run.nextIndex, session.demandHead, this.comfortableSegments);
    run.process.setNiceness(comfortable ? RELAXED_ENCODER_NICENESS : ENCODER_NICENESS);
  }

  /** Segments ahead of the viewer from which an encoder yields the CPU to the others. */
  private get comfortableSegments(): number {
    return Math.min(this.lookaheadSegments, Math.ceil(COMFORTABLE_AHEAD_SECONDS / this.options.segmentDurationSeconds));
  }

  private onSegmentListed(session: TranscodeSession, run: EncoderRun, line: string): void {
    const listed = parseSegmentListLine(line);
    const match = listed && RUN_FILE_REGEX.exec(listed.fileName);
    // An empty segment (no frame in it) is what ffmpeg announces when the input has no data.
    if (!listed || !match || run.stopping || Number(match[1]) !== run.id || listed.endSeconds <= listed.startSeconds) return;
    // Which planned segment this is: a run's first is the one it started at (ffmpeg lists its
    // start as 0); the others by where they start on the timeline (ffmpeg's own count can drift
    // from the plan where a cut finds no frame, in a hole of the input).
    const first = run.nextIndex === run.startIndex;
    const index = first ? run.startIndex : segmentStartingAt(session.segments, listed.startSeconds);
    if (index < run.nextIndex) {
      this.logger.warn(sessionLog(session, `${listed.fileName} starts at ${listed.startSeconds} s, before the run's next segment; not served`, { run: run.id }));
      return;
    }
    if (first) this.noteFirstSegment(session, run);
    run.nextIndex = Math.max(run.nextIndex, index + 1);
    const replaced = session.markReady(index, listed.fileName, this.files.fileSize(session.id, listed.fileName));
    // A reader of the replaced file keeps its open descriptor; unlinking is safe.
    if (replaced) this.files.removeFile(session.id, replaced).catch(() => undefined);
    this.applyLookahead(session);
  }
}
