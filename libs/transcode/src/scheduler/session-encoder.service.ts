import { Inject, Injectable } from '@nestjs/common';
import type { RecordingTimeline } from '@app/recordings';
import {
  ENCODER_NICENESS,
  FfmpegCommandBuilder,
  FfmpegProcessSupervisor,
  FfmpegProgress,
  ProcessExit,
  RELAXED_ENCODER_NICENESS,
  buildInputList,
  parseSegmentListLine,
  toProgressReports,
} from '@app/ffmpeg';
import { PROGRESS_FD, SEGMENT_LIST_FD, RunSessionPlan, runInput, runTranscodeOptions } from '../plan/encoder-input';
import type { PlannedSegment } from '../plan/segment-plan';
import type { SessionRendition } from '../plan/rendition';
import { Clock } from '../clock';
import { SessionFilesStore } from '../storage/session-files.store';
import { isRunInputList, runFilePrefix, runOfFile } from '../storage/run-files';
import { RecordingPresence } from '../storage/recording-presence';
import { TranscodeEvents } from '../transcode-events';
import { RecordingGoneException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import type { EncoderRun } from './encoder-run';
import type { RunListing } from './run-listing';

/** How many recordings of a run's list are checked for before it starts (a few minutes of files). */
const RECORDINGS_CHECKED_AHEAD = 32;

/** What a run needs of its session: who it is, its plan, its output format and its rendition. */
export interface RunSession extends RunSessionPlan {
  readonly id: string;
  readonly camera: string;
  readonly timeline: RecordingTimeline;
  readonly segments: readonly PlannedSegment[];
  readonly rendition: SessionRendition;
}

/** The encoder a run was given (EncoderSelector.encoderFor): its command builder and its video encoder's name. */
export interface RunEncoder {
  builder: FfmpegCommandBuilder;
  videoEncoder: string;
}

/** What a run reports to the driver of its session. */
export interface RunHandlers {
  /** The run's process was spawned (before any of its output is read). */
  spawned(run: EncoderRun): void;
  /** The run finished a file (not an empty one): which planned segment it is, the driver and its scheduler say. */
  listed(run: EncoderRun, listing: RunListing): void;
  /** The run's process ended. */
  exited(run: EncoderRun, exit: ProcessExit): void;
}

/**
 * Starts, paces and stops single ffmpeg runs of a session: the process side of the scheduler's
 * commands. Which runs exist, and when, is the session scheduler's decision, not this class's;
 * it reports what its processes do (spawned, a file listed, exited) and keeps no run state.
 */
@Injectable()
export class SessionEncoderService {
  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly supervisor: FfmpegProcessSupervisor,
    private readonly files: SessionFilesStore,
    private readonly clock: Clock,
    private readonly events: TranscodeEvents,
    private readonly recordings: RecordingPresence,
  ) {}

  /** Starts run `runId` at segment `index` on `encoder`, timestamps aligned to the range. */
  async startRun(session: RunSession, runId: number, index: number, encoder: RunEncoder, handlers: RunHandlers): Promise<EncoderRun> {
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
    const { builder, videoEncoder } = encoder;
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
      videoEncoder,
      exit: null,
      progress: null,
      progressAt: null,
      progressPauseCount: 0,
    };
    handlers.spawned(run);
    process.lines(SEGMENT_LIST_FD).subscribe((line) => this.onSegmentListed(session, run, line, handlers));
    toProgressReports(process.lines(PROGRESS_FD)).subscribe((progress) => this.onProgress(session, run, progress));
    this.events.publish({ type: 'encoder-started', sessionId: session.id, encoder: videoEncoder, restart: runId > 1 });
    void process.exited.then((exit) => {
      run.exit = exit;
      handlers.exited(run, exit);
    });
    // (Only for the orphan cleanup after a crash: a run does not depend on it.)
    if (process.pid !== undefined) await this.files.writePid(session.id, process.pid).catch(() => undefined);
    return run;
  }

  /** Stops a run (if running) and removes the files it left unfinished (any not among `servedFiles` once it has exited). */
  async stopRun(sessionId: string, run: EncoderRun, servedFiles: () => ReadonlySet<string>): Promise<void> {
    await run.process.stop();
    const served = servedFiles();
    await this.files.removeFilesWhere(sessionId, (name) => {
      if (isRunInputList(name, run.id)) return true;
      return runOfFile(name) === run.id && !served.has(name);
    });
  }

  /** Removes a finished file a later run's file replaced (a reader of it keeps its open descriptor: unlinking is safe). */
  async removeReplaced(sessionId: string, fileName: string): Promise<void> {
    await this.files.removeFile(sessionId, fileName);
  }

  /** Runs comfortably ahead of their viewer yield the CPU to those closest to running out. */
  setRelaxed(run: EncoderRun, relaxed: boolean): void {
    run.process.setNiceness(relaxed ? RELAXED_ENCODER_NICENESS : ENCODER_NICENESS);
  }

  /**
   * Keeps the run's last progress report, and publishes the encode speed between two reports
   * (ffmpeg's own `speed` averages since the start, pauses included).
   */
  private onProgress(session: RunSession, run: EncoderRun, progress: FfmpegProgress): void {
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

  private onSegmentListed(session: RunSession, run: EncoderRun, line: string, handlers: RunHandlers): void {
    const listed = parseSegmentListLine(line);
    // An empty segment (no frame in it) is what ffmpeg announces when the input has no data.
    if (!listed || runOfFile(listed.fileName) !== run.id || listed.endSeconds <= listed.startSeconds) return;
    handlers.listed(run, { fileName: listed.fileName, startSeconds: listed.startSeconds, bytes: this.files.fileSize(session.id, listed.fileName) });
  }
}
