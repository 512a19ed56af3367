import { HttpException, Logger } from '@nestjs/common';
import type { ProcessExit } from '@app/ffmpeg';
import { recordingLabel } from '@app/recordings';
import { Clock } from '../clock';
import { EncoderSelector } from '../policy/encoder-selector.service';
import { pieceIndexAt } from '../plan/encoder-input';
import { FfmpegProcessSlots } from './ffmpeg-process-slots';
import { SessionEncoderService } from './session-encoder.service';
import { SessionFilesStore } from '../storage/session-files.store';
import { sessionLog } from '../model/session-log';
import {
  FirstSegmentTimeoutException,
  NoFfmpegSlotException,
  RequestWithdrawnException,
  SessionNotFoundException,
  TranscoderFailedException,
  TranscoderUnavailableException,
} from '../transcode.exceptions';
import { EncoderRun, SessionRunsView, TranscodeSession } from '../sessions/transcode-session';
import {
  INITIAL_SCHEDULER_STATE,
  SchedulerCommand,
  SchedulerConfig,
  SchedulerEvent,
  SchedulerState,
  StopReason,
  WaiterFailure,
  isRunNeeded,
  schedule,
} from './session-scheduler';

/** What a driver needs from the rest of the engine. */
export interface SessionDriverDeps {
  encoders: SessionEncoderService;
  slots: FfmpegProcessSlots;
  selector: EncoderSelector;
  files: SessionFilesStore;
  clock: Clock;
  /** The scheduler's settings (whether the hardware may be used is asked per step). */
  config: Omit<SchedulerConfig, 'hardwareAllowed'>;
  /** Called after every finished segment (the disk budget looks at the total). */
  onSegmentStored(): void;
}

interface PendingRequest {
  index: number;
  resolve(fileName: string): void;
  reject(error: Error): void;
}

/** How a run ended, kept for the message of the requests it fails. */
interface RunEnd {
  exit?: ProcessExit;
  error?: Error;
}

/** Run ends remembered for failure messages (the requests they fail are answered at once). */
const RUN_ENDS_KEPT = 16;

/**
 * The thin shell around one session's scheduler: feeds it events (requests, their clients
 * going away, listed segments, process exits, timers) and carries out its commands on
 * processes (through SessionEncoderService and the process slots), on waiting requests and
 * on the clock. It holds no rule of its own.
 */
export class SessionDriver implements SessionRunsView {
  private readonly logger = new Logger('SessionScheduler');
  private state: SchedulerState = INITIAL_SCHEDULER_STATE;
  /** Processes of the runs, from spawn to exit. */
  private readonly processes = new Map<number, EncoderRun>();
  /** Runs the scheduler stopped before their process existed. */
  private readonly stopBeforeSpawn = new Set<number>();
  private readonly runEnds = new Map<number, RunEnd>();
  private readonly waiters = new Map<number, PendingRequest>();
  private nextWaiterId = 1;
  private wakeAt: number | null = null;
  /** Runs between their start command and their spawn (taking a slot, checking recordings). */
  private readonly starting = new Set<Promise<void>>();
  /** Process-wide: slot keys of a session reopened with the same id never meet the old one's. */
  private readonly serial = nextDriverSerial();
  private cancelWake: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly session: TranscodeSession,
    private readonly deps: SessionDriverDeps,
  ) {
    session.attachRuns(this);
  }

  encodingCount(): number {
    let count = 0;
    for (const run of this.processes.values()) if (run.process.running && !run.process.isPaused) count += 1;
    return count;
  }

  runs(): EncoderRun[] {
    return [...this.processes.values()].filter((run) => run.process.running);
  }

  get hasWaiters(): boolean {
    return this.waiters.size > 0;
  }

  /**
   * The file of segment `index`: at once when it is finished, otherwise once a run has made it.
   * Aborting `signal` (the client went away) withdraws the request.
   */
  segment(index: number, signal?: AbortSignal): string | Promise<string> {
    if (this.closed) throw new SessionNotFoundException();
    const waiter = this.nextWaiterId++;
    const ready = this.session.readyFile(index);
    if (ready) {
      this.dispatch({ type: 'requested', waiter, index, ready: true, deadline: 0 });
      return ready;
    }
    if (signal?.aborted) throw new RequestWithdrawnException();
    return new Promise<string>((resolve, reject) => {
      const withdraw = () => {
        if (!this.waiters.delete(waiter)) return;
        reject(new RequestWithdrawnException());
        this.dispatch({ type: 'withdrawn', waiter });
      };
      const done = () => signal?.removeEventListener('abort', withdraw);
      this.waiters.set(waiter, {
        index,
        resolve: (file) => (done(), resolve(file)),
        reject: (error) => (done(), reject(error)),
      });
      signal?.addEventListener('abort', withdraw, { once: true });
      const deadline = this.deps.clock.now() + this.deps.config.segmentWaitMs;
      this.dispatch({ type: 'requested', waiter, index, ready: false, deadline });
    });
  }

  /**
   * Stops every run and fails every waiting request (the session is being removed): with
   * `cause` when the session failed (its requests learn why: no first segment, say), else 404.
   */
  async close(cause?: Error): Promise<void> {
    this.closed = true;
    this.cancelWake?.();
    for (const waiter of this.waiters.values()) waiter.reject(cause ?? new SessionNotFoundException());
    this.waiters.clear();
    // A run still on its way to a spawn sees `closed` and stops itself: wait for it too, so that
    // nothing of this session writes into a folder a new session of the same id has made.
    await Promise.all([...this.starting]);
    await Promise.all([...this.processes.values()].map((run) => this.deps.encoders.stopRun(this.session, run).catch(() => undefined)));
  }

  private dispatch(event: SchedulerEvent): void {
    const config = { ...this.deps.config, hardwareAllowed: this.deps.selector.hardwareAllowed() };
    const { state, commands } = schedule(this.state, event, this.deps.clock.now(), config);
    this.state = state;
    for (const command of commands) this.execute(command);
  }

  private execute(command: SchedulerCommand): void {
    switch (command.type) {
      case 'start': {
        const started = this.startRun(command.run, command.index, command.hardware);
        this.starting.add(started);
        void started.finally(() => this.starting.delete(started));
        return;
      }
      case 'stop':
        return this.stopRun(command.run, command.reason);
      case 'pause':
        this.processes.get(command.run)?.process.pause();
        return;
      case 'resume':
        this.processes.get(command.run)?.process.resume();
        return;
      case 'renice': {
        const run = this.processes.get(command.run);
        if (run) this.deps.encoders.setRelaxed(run, command.relaxed);
        return;
      }
      case 'answer': {
        const waiter = this.waiters.get(command.waiter);
        const file = this.session.readyFile(command.index);
        if (!waiter || !file) return;
        this.waiters.delete(command.waiter);
        waiter.resolve(file);
        return;
      }
      case 'fail': {
        const waiter = this.waiters.get(command.waiter);
        if (!waiter) return;
        this.waiters.delete(command.waiter);
        waiter.reject(this.errorFor(command.failure, command.index));
        return;
      }
      case 'fell-back':
        this.logger.warn(sessionLog(this.session, `hardware encoder failed (${command.reason}); retrying in software`));
        return;
      case 'hardware-works':
        return this.deps.selector.hardwareWorked();
      case 'hardware-failed':
        return this.deps.selector.hardwareFailed(command.reason);
      case 'wake':
        return this.wakeUpAt(command.at);
    }
  }

  private slotKey(runId: number): string {
    return `${this.session.id.slice(0, 12)}#${this.serial}:${runId}`;
  }

  private async startRun(runId: number, index: number, hardware: boolean): Promise<void> {
    const key = this.slotKey(runId);
    const granted = await this.deps.slots.acquire(key, {
      view: () => {
        const run = this.state.runs.find((candidate) => candidate.id === runId);
        return {
          needed: isRunNeeded(this.state, runId, { ...this.deps.config, hardwareAllowed: false }),
          paused: run?.phase === 'paused',
          wantedAt: run?.wantedAt ?? 0,
          aheadSegments: run ? run.nextIndex - 1 - run.viewerHead : 0,
          // A stream token names a session, not a user: a run counts to its session's creator.
          owner: this.session.owner,
        };
      },
      preempt: () => this.dispatch({ type: 'preempt', run: runId }),
    });
    if (!granted) {
      this.logger.warn(sessionLog(this.session, `no ffmpeg process slot free for a run at segment ${index}`));
      if (!this.closed) this.dispatch({ type: 'refused', run: runId });
      return;
    }
    if (this.closed || this.stopBeforeSpawn.delete(runId)) {
      this.deps.slots.release(key);
      if (!this.closed) this.dispatch({ type: 'exited', run: runId });
      return;
    }
    try {
      const run = await this.deps.encoders.startRun(this.session, runId, index, hardware, {
        spawned: (spawnedRun) => {
          this.processes.set(runId, spawnedRun);
          this.session.videoEncoder = spawnedRun.videoEncoder;
        },
        listed: (listedRun, listedIndex, fileName, bytes) => this.onListed(listedRun, listedIndex, fileName, bytes),
        exited: (exitedRun, exit) => this.onExited(exitedRun, exit),
      });
      if ((this.closed || this.stopBeforeSpawn.delete(runId)) && !run.exit) {
        run.stopping = true;
        await this.deps.encoders.stopRun(this.session, run).catch(() => undefined);
      }
    } catch (error) {
      this.deps.slots.release(key);
      this.remember(runId, { error: error as Error });
      if (!this.closed) this.dispatch({ type: 'exited', run: runId, beforeSpawn: true });
    }
  }

  private stopRun(runId: number, reason: StopReason): void {
    const run = this.processes.get(runId);
    if (!run) {
      this.stopBeforeSpawn.add(runId);
      return;
    }
    const why: Record<StopReason, string> = {
      idle: `no request for ${Math.round(this.deps.config.idleMs / 1000)} s, stopping its encoder`,
      superseded: 'nobody came back to where a seek left it',
      'caught-up': 'it reached segments another run made',
      replaced: 'the session has its most runs and a viewer needs one elsewhere',
      preempted: 'MAX_FFMPEG_PROCESSES: its slot went to a viewer who waits',
    };
    this.logger.log(sessionLog(this.session, `stopping run ${runId} from #${run.startIndex}: ${why[reason]}`, { run: runId }));
    run.stopping = true;
    void this.deps.encoders
      .stopRun(this.session, run)
      .catch((error: Error) => this.logger.warn(sessionLog(this.session, `could not stop run ${runId}: ${error.message}`, { run: runId })));
  }

  private onListed(run: EncoderRun, index: number, fileName: string, bytes: number): void {
    if (this.closed) return;
    const replaced = this.session.markReady(index, fileName, bytes);
    // A reader of the replaced file keeps its open descriptor; unlinking is safe.
    if (replaced) this.deps.files.removeFile(this.session.id, replaced).catch(() => undefined);
    this.dispatch({ type: 'listed', run: run.id, index });
    this.deps.onSegmentStored();
  }

  private onExited(run: EncoderRun, exit: ProcessExit): void {
    this.processes.delete(run.id);
    this.deps.slots.release(this.slotKey(run.id));
    this.remember(run.id, { exit });
    if (!this.closed) this.dispatch({ type: 'exited', run: run.id, reason: `${describeExit(exit)}${formatStderr(exit.stderrTail)}` });
  }

  private remember(runId: number, end: RunEnd): void {
    this.runEnds.set(runId, end);
    if (this.runEnds.size > RUN_ENDS_KEPT) this.runEnds.delete(this.runEnds.keys().next().value!);
  }

  private wakeUpAt(at: number | null): void {
    if (at === this.wakeAt) return;
    this.cancelWake?.();
    this.cancelWake = null;
    this.wakeAt = at;
    if (at === null || this.closed) return;
    this.cancelWake = this.deps.clock.schedule(at - this.deps.clock.now(), () => {
      this.wakeAt = null;
      this.cancelWake = null;
      if (!this.closed) this.dispatch({ type: 'tick' });
    });
  }

  /** The HTTP error of a failed request. */
  private errorFor(failure: WaiterFailure, index: number): Error {
    switch (failure.kind) {
      case 'busy':
        return new NoFfmpegSlotException(this.deps.slots.limit);
      case 'timeout': {
        const tail = this.runs()[0]?.process.stderrTail() ?? [];
        const seconds = Math.round(this.deps.config.segmentWaitMs / 1000);
        this.logger.error(sessionLog(this.session, `segment ${index} not ready within ${seconds} s`, { segment: index }));
        return new FirstSegmentTimeoutException(seconds, tail, index);
      }
      case 'encoder-failed': {
        const end = this.runEnds.get(failure.run) ?? {};
        if (end.error instanceof HttpException) return end.error;
        // The reason names server paths (the run's input list, FFMPEG_PATH): logged, and only its code told.
        const reason = end.error?.message ?? end.exit?.spawnError;
        if (reason) {
          this.logger.error(sessionLog(this.session, `ffmpeg could not be started: ${reason}`, { segment: index }));
          const code = (end.error as NodeJS.ErrnoException | undefined)?.code ?? /\b(E[A-Z]+)\b/.exec(reason)?.[1] ?? 'see the log';
          return new TranscoderUnavailableException(`ffmpeg could not be started (${code})`);
        }
        const exit = end.exit ?? { code: 0, signal: null, stderrTail: this.processes.get(failure.run)?.process.stderrTail() ?? [] };
        const piece = this.session.timeline.pieces[pieceIndexAt(this.session.timeline, this.session.segments[index].cutSeconds)];
        return new TranscoderFailedException(describeExit(exit), exit.stderrTail, recordingLabel(piece.path));
      }
    }
  }
}

let driverSerial = 0;
function nextDriverSerial(): number {
  driverSerial += 1;
  return driverSerial;
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
