import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ENCODER_NICENESS,
  FfmpegProcessSupervisor,
  RELAXED_ENCODER_NICENESS,
  FfmpegProgress,
  ProcessExit,
  buildInputList,
  parseSegmentListLine,
  toProgressReports,
} from '@app/ffmpeg';
import { PROGRESS_FD, SEGMENT_LIST_FD, runInput, runTranscodeOptions } from '../plan/encoder-input';
import { Clock } from '../clock';
import { EncoderSelector } from '../policy/encoder-selector.service';
import { SessionFilesStore } from '../storage/session-files.store';
import { isRunInputList, runFilePrefix, runOfFile } from '../storage/run-files';
import { sessionLog } from '../model/session-log';
import { TranscodeEvents } from '../transcode-events';
import { RecordingPresence } from '../storage/recording-presence';
import { RecordingGoneException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { EncoderRun, TranscodeSession } from '../sessions/transcode-session';
import { segmentStartingAt } from '../plan/segment-plan';

/** How many recordings of a run's list are checked for before it starts (a few minutes of files). */
const RECORDINGS_CHECKED_AHEAD = 32;

/** What a run reports to the session that started it. */
export interface RunHandlers {
  /** The run's process was spawned (before any of its output is read). */
  spawned(run: EncoderRun): void;
  /** The run finished planned segment `index` in `fileName` (`bytes` on disk). */
  listed(run: EncoderRun, index: number, fileName: string, bytes: number): void;
  /** The run's process ended. */
  exited(run: EncoderRun, exit: ProcessExit): void;
}

/**
 * Starts, paces and stops single ffmpeg runs of a session: the process side of the scheduler's
 * commands. Which runs exist, and when, is the session scheduler's decision, not this class's.
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

  /** Starts run `runId` at segment `index`, timestamps aligned to the range. */
  async startRun(session: TranscodeSession, runId: number, index: number, hardware: boolean, handlers: RunHandlers): Promise<EncoderRun> {
    const dir = this.files.sessionDir(session.id);
    const input = runInput(session, index);
    // The NVR may have deleted recordings since the session was planned: none for the start is
    // a clear 410; a later one ends this run's list there (a request past it starts a new run).
    const checked = input.entries.slice(0, RECORDINGS_CHECKED_AHEAD);
    const missing = await this.recordings.missingAmong(checked.map((entry) => entry.path));
    if (missing.has(input.entries[0].path)) throw new RecordingGoneException(index);
    const firstMissing = checked.findIndex((entry) => missing.has(entry.path));
    const entries = firstMissing > 0 ? input.entries.slice(0, firstMissing) : input.entries;
    const list = buildInputList(entries, input.inputOffsetSeconds);
    const listPath = await this.files.writeInputList(session.id, runId, list);
    // A copied stream has no encoder: its runs say so (in the listing, the logs and the metrics).
    const { builder, videoEncoder } = this.selector.encoderFor(hardware, session.rendition.video.mode);
    const args = builder.buildHlsTranscode(
      runTranscodeOptions(session, index, input, list, listPath, {
        outputDir: dir,
        segmentFilePrefix: runFilePrefix(runId),
        outputMaxHeight: this.options.outputMaxHeight,
        preset: this.options.ffmpegPreset,
      }),
    );
    const process = this.supervisor.spawn(this.options.ffmpegPath, args, {
      outputFds: [PROGRESS_FD, SEGMENT_LIST_FD],
      cwd: dir,
      label: `ffmpeg[${session.id.slice(0, 8)} ${session.camera} run ${runId} from #${index} ${videoEncoder}]`,
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
      videoEncoder,
      progress: null,
      stopping: false,
    };
    handlers.spawned(run);
    process.lines(SEGMENT_LIST_FD).subscribe((line) => this.onSegmentListed(session, run, line, handlers));
    toProgressReports(process.lines(PROGRESS_FD)).subscribe((progress) => this.onProgress(session, run, progress));
    this.events.publish({ type: 'encoder-started', sessionId: session.id, encoder: videoEncoder, restart: runId > 1 });
    void process.exited.then((exit) => {
      run.exit = exit;
      if (!run.stopping && (exit.spawnError || (exit.code !== 0 && exit.signal === null))) {
        this.events.publish({ type: 'encoder-failed', sessionId: session.id, encoder: run.videoEncoder });
      }
      if (!run.stopping && exit.code !== 0 && exit.signal === null) {
        this.logger.warn(sessionLog(session, `run ${run.id} failed at segment ${run.nextIndex}: ${exit.stderrTail.slice(-3).join(' | ')}`, { run: run.id }));
      }
      handlers.exited(run, exit);
    });
    // (Only for the orphan cleanup after a crash: a run does not depend on it.)
    if (process.pid !== undefined) await this.files.writePid(session.id, process.pid).catch(() => undefined);
    return run;
  }

  /** Stops a run (if running) and removes the files it left unfinished. */
  async stopRun(session: TranscodeSession, run: EncoderRun): Promise<void> {
    run.stopping = true;
    await run.process.stop();
    const served = session.servedFiles();
    await this.files.removeFilesWhere(session.id, (name) => {
      if (isRunInputList(name, run.id)) return true;
      return runOfFile(name) === run.id && !served.has(name);
    });
  }

  /** Runs comfortably ahead of their viewer yield the CPU to those closest to running out. */
  setRelaxed(run: EncoderRun, relaxed: boolean): void {
    run.process.setNiceness(relaxed ? RELAXED_ENCODER_NICENESS : ENCODER_NICENESS);
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

  private onSegmentListed(session: TranscodeSession, run: EncoderRun, line: string, handlers: RunHandlers): void {
    const listed = parseSegmentListLine(line);
    // An empty segment (no frame in it) is what ffmpeg announces when the input has no data.
    if (!listed || run.stopping || runOfFile(listed.fileName) !== run.id || listed.endSeconds <= listed.startSeconds) return;
    // Which planned segment this is: a run's first is the one it started at (ffmpeg lists its
    // start as 0); the others by where they start on the timeline (ffmpeg's own count can drift
    // from the plan where a cut finds no frame, in a hole of the input).
    const first = run.nextIndex === run.startIndex;
    // (A fast run's times are the recordings' divided by its speed.)
    const index = first ? run.startIndex : segmentStartingAt(session.segments, listed.startSeconds * session.speed);
    if (index < run.nextIndex) {
      this.logger.warn(
        sessionLog(session, `${listed.fileName} starts at ${listed.startSeconds} s, before the run's next segment; not served`, { run: run.id }),
      );
      return;
    }
    run.nextIndex = Math.max(run.nextIndex, index + 1);
    handlers.listed(run, index, listed.fileName, this.files.fileSize(session.id, listed.fileName));
  }
}
