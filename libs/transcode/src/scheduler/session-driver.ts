import { HttpException, Logger } from '@nestjs/common';
import type { ProcessExit } from '@app/ffmpeg';
import { recordingLabel } from '@app/recordings';
import { Clock } from '../clock';
import type { EncoderActivity } from '../model/session-views';
import { sessionLog } from '../model/session-log';
import { pieceIndexAt } from '../plan/encoder-input';
import { EncoderSelector } from '../policy/encoder-selector.service';
import { TranscodeEvents } from '../transcode-events';
import {
  FirstSegmentTimeoutException,
  NoFfmpegSlotException,
  SessionNotFoundException,
  TranscoderFailedException,
  TranscoderUnavailableException,
} from '../transcode.exceptions';
import type { EncoderRun } from './encoder-run';
import { FfmpegProcessSlots } from './ffmpeg-process-slots';
import { ReadySegments } from './ready-segments';
import { RunEnd, RunEnds, describeExit, formatStderr } from './run-ends';
import { RunListing, plannedIndexOfListing } from './run-listing';
import { SegmentWaiters } from './segment-waiters';
import { RunSession, SessionEncoderService } from './session-encoder.service';
import {
  INITIAL_SCHEDULER_STATE,
  RunState,
  SchedulerCommand,
  SchedulerConfig,
  SchedulerEvent,
  SchedulerState,
  StopReason,
  WaiterFailure,
  isRunNeeded,
  schedule,
} from './session-scheduler';

/** What a driver needs of its session: who it is, who made it, and its plan (read only). */
export interface DriverSession extends RunSession {
  readonly owner?: string;
  readonly speed: number;
}

/** What a driver needs from the rest of the engine. */
export interface SessionDriverDeps {
  encoders: SessionEncoderService;
  slots: FfmpegProcessSlots;
  selector: EncoderSelector;
  clock: Clock;
  events: TranscodeEvents;
  /** The scheduler's settings (whether the hardware may be used is asked per step). */
  config: Omit<SchedulerConfig, 'hardwareAllowed'>;
  /** Called after every finished segment kept (the disk budget looks at the total). */
  onSegmentStored(): void;
}

/**
 * The thin shell around one session's scheduler: feeds it events (requests, their clients going
 * away, listed segments, process exits, timers) and carries out its commands on processes
 * (through SessionEncoderService and the process slots), on waiting requests, on the session's
 * finished segments and on the clock. Every piece of run state (where a run is, whether it is
 * paused or stopping, whether the hardware failed) is the scheduler's; the driver holds the
 * processes, the waiting requests and the finished segments, and no rule of its own.
 */
export class SessionDriver {
  private readonly logger = new Logger('SessionScheduler');
  private state: SchedulerState = INITIAL_SCHEDULER_STATE;
  /** Processes of the runs, from spawn to exit. */
  private readonly processes = new Map<number, EncoderRun>();
  /** Runs the scheduler stopped before their process existed. */
  private readonly stopBeforeSpawn = new Set<number>();
  private readonly ends = new RunEnds();
  private readonly waiters = new SegmentWaiters();
  private readonly ready = new ReadySegments();
  private wakeAt: number | null = null;
  /** Runs between their start command and their spawn (taking a slot, checking recordings). */
  private readonly starting = new Set<Promise<void>>();
  /** Process-wide: slot keys of a session reopened with the same id never meet the old one's. */
  private readonly serial = nextDriverSerial();
  private cancelWake: (() => void) | null = null;
  private closed = false;
  private lastVideoEncoder: string | null = null;

  constructor(
    private readonly session: DriverSession,
    private readonly deps: SessionDriverDeps,
  ) {}

  /** The file of finished segment `index`, or undefined. */
  readyFile(index: number): string | undefined {
    return this.ready.file(index);
  }

  /** The folder (its id under TRANSCODE_DIR) its files are in: its session's or its track's. */
  dirOf(): string {
    return this.session.id;
  }

  /** Bytes of the finished file of segment `index`, as it was when listed (0: unknown). */
  readySize(index: number): number {
    return this.ready.size(index);
  }

  get readyCount(): number {
    return this.ready.count;
  }

  get storedBytes(): number {
    return this.ready.storedBytes;
  }

  storedSegments(): { index: number; bytes: number }[] {
    return this.ready.stored();
  }

  /** Runs whose process is alive and that the scheduler has not paused. */
  encodingCount(): number {
    return this.liveRuns().filter((run) => !this.isPaused(run.id)).length;
  }

  /** What its runs are doing: encoding when one is, paused when all are, stopped when there are none. */
  activity(): EncoderActivity {
    const runs = this.liveRuns();
    if (runs.length === 0) return 'stopped';
    return runs.some((run) => !this.isPaused(run.id)) ? 'encoding' : 'paused';
  }

  /** The pid of a run encoding now (else of a paused one), or null. */
  activePid(): number | null {
    const runs = this.liveRuns();
    return (runs.find((run) => !this.isPaused(run.id)) ?? runs[0])?.process.pid ?? null;
  }

  /** The ffmpeg video encoder of its latest run, or null before the first. */
  get videoEncoder(): string | null {
    return this.lastVideoEncoder;
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
    const waiter = this.waiters.nextWaiter();
    const ready = this.ready.file(index);
    if (ready) {
      this.dispatch({ type: 'requested', waiter, index, ready: true, deadline: 0 });
      return ready;
    }
    return this.waiters.wait(
      waiter,
      index,
      signal,
      () => this.dispatch({ type: 'requested', waiter, index, ready: false, deadline: this.deps.clock.now() + this.deps.config.segmentWaitMs }),
      () => this.dispatch({ type: 'withdrawn', waiter }),
    );
  }

  /** Forgets finished segments (the disk budget deletes their files); returns those files. */
  forgetSegments(indices: readonly number[]): string[] {
    return indices.map((index) => this.ready.forget(index)).filter((file): file is string => !!file);
  }

  /**
   * Stops every run and fails every waiting request (the session is being removed): with
   * `cause` when the session failed (its requests learn why: no first segment, say), else 404.
   */
  async close(cause?: Error): Promise<void> {
    this.closed = true;
    this.cancelWake?.();
    this.waiters.failAll(cause ?? new SessionNotFoundException());
    // A run still on its way to a spawn sees `closed` and stops itself: wait for it too, so that
    // nothing of this session writes into a folder a new session of the same id has made.
    await Promise.all([...this.starting]);
    await Promise.all([...this.processes.values()].map((run) => this.stopProcess(run).catch(() => undefined)));
  }

  private dispatch(event: SchedulerEvent, listing?: RunListing): SchedulerCommand[] {
    const config = { ...this.deps.config, hardwareAllowed: this.deps.selector.hardwareAllowed() };
    const { state, commands } = schedule(this.state, event, this.deps.clock.now(), config);
    this.state = state;
    for (const command of commands) this.execute(command, listing);
    return commands;
  }

  private execute(command: SchedulerCommand, listing?: RunListing): void {
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
        return this.processes.get(command.run)?.process.pause();
      case 'resume':
        return this.processes.get(command.run)?.process.resume();
      case 'renice': {
        const run = this.processes.get(command.run);
        if (run) this.deps.encoders.setRelaxed(run, command.relaxed);
        return;
      }
      case 'keep': {
        const replaced = this.ready.keep(command.index, listing!.fileName, listing!.bytes);
        if (replaced) this.deps.encoders.removeReplaced(this.session.id, replaced).catch(() => undefined);
        return;
      }
      case 'ignore':
        this.logger.warn(
          sessionLog(this.session, `${listing!.fileName} starts at ${listing!.startSeconds} s, before the run's next segment; not served`, {
            run: command.run,
          }),
        );
        return;
      case 'answer': {
        const file = this.ready.file(command.index);
        if (file) this.waiters.answer(command.waiter, file);
        return;
      }
      case 'fail':
        return this.waiters.fail(command.waiter, this.errorFor(command.failure, command.index));
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

  private runState(runId: number): RunState | undefined {
    return this.state.runs.find((run) => run.id === runId);
  }

  private isPaused(runId: number): boolean {
    return this.runState(runId)?.phase === 'paused';
  }

  private liveRuns(): EncoderRun[] {
    return [...this.processes.values()].filter((run) => run.process.running);
  }

  private async startRun(runId: number, index: number, hardware: boolean): Promise<void> {
    const key = this.slotKey(runId);
    const granted = await this.deps.slots.acquire(key, {
      view: () => {
        const run = this.runState(runId);
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
      const encoder = this.deps.selector.encoderFor(hardware, this.session.rendition.video.mode);
      const run = await this.deps.encoders.startRun(this.session, runId, index, encoder, {
        spawned: (spawned) => {
          this.processes.set(runId, spawned);
          this.lastVideoEncoder = spawned.videoEncoder;
        },
        listed: (listedRun, listing) => this.onListed(listedRun, listing),
        exited: (exitedRun, exit) => this.onExited(exitedRun, exit),
      });
      if ((this.closed || this.stopBeforeSpawn.delete(runId)) && !run.exit) await this.stopProcess(run).catch(() => undefined);
    } catch (error) {
      this.deps.slots.release(key);
      this.ends.remember(runId, { error: error as Error });
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
    void this.stopProcess(run).catch((error: Error) =>
      this.logger.warn(sessionLog(this.session, `could not stop run ${runId}: ${error.message}`, { run: runId })),
    );
  }

  private stopProcess(run: EncoderRun): Promise<void> {
    return this.deps.encoders.stopRun(this.session.id, run, () => this.ready.servedFiles());
  }

  private onListed(run: EncoderRun, listing: RunListing): void {
    const state = this.runState(run.id);
    if (this.closed || !state) return;
    // ffmpeg lists output times: the plan's MPEG-TS base (a track's hour) is taken off first.
    const startSeconds = listing.startSeconds - (this.session.ptsBaseSeconds ?? 0) / this.session.speed;
    const index = plannedIndexOfListing(state, startSeconds, this.session);
    const commands = this.dispatch({ type: 'listed', run: run.id, index }, listing);
    if (commands.some((command) => command.type === 'keep')) this.deps.onSegmentStored();
  }

  private onExited(run: EncoderRun, exit: ProcessExit): void {
    const state = this.runState(run.id);
    // A run asked to stop ends as it was told: that is no failure.
    if (!this.closed && state?.phase !== 'stopping') this.reportFailure(run, exit, state?.nextIndex ?? run.startIndex);
    this.processes.delete(run.id);
    this.deps.slots.release(this.slotKey(run.id));
    this.ends.remember(run.id, { exit });
    if (!this.closed) this.dispatch({ type: 'exited', run: run.id, reason: `${describeExit(exit)}${formatStderr(exit.stderrTail)}` });
  }

  /** An ffmpeg run that ended with an error by itself: counted, and logged with its last lines. */
  private reportFailure(run: EncoderRun, exit: ProcessExit, atSegment: number): void {
    const crashed = exit.code !== 0 && exit.signal === null;
    if (exit.spawnError || crashed) this.deps.events.publish({ type: 'encoder-failed', sessionId: this.session.id, encoder: run.videoEncoder });
    if (crashed) {
      this.logger.warn(sessionLog(this.session, `run ${run.id} failed at segment ${atSegment}: ${exit.stderrTail.slice(-3).join(' | ')}`, { run: run.id }));
    }
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
        const tail = this.liveRuns()[0]?.process.stderrTail() ?? [];
        const seconds = Math.round(this.deps.config.segmentWaitMs / 1000);
        this.logger.error(sessionLog(this.session, `segment ${index} not ready within ${seconds} s`, { segment: index }));
        return new FirstSegmentTimeoutException(seconds, tail, index);
      }
      case 'encoder-failed':
        return this.encoderFailure(this.ends.of(failure.run), failure.run, index);
    }
  }

  /** 503 when ffmpeg could not be started (the reason names server paths: logged, its code told), else 502 with its last lines. */
  private encoderFailure(end: RunEnd, runId: number, index: number): Error {
    if (end.error instanceof HttpException) return end.error;
    const reason = end.error?.message ?? end.exit?.spawnError;
    if (reason) {
      this.logger.error(sessionLog(this.session, `ffmpeg could not be started: ${reason}`, { segment: index }));
      const code = (end.error as NodeJS.ErrnoException | undefined)?.code ?? /\b(E[A-Z]+)\b/.exec(reason)?.[1] ?? 'see the log';
      return new TranscoderUnavailableException(`ffmpeg could not be started (${code})`);
    }
    const exit = end.exit ?? { code: 0, signal: null, stderrTail: this.processes.get(runId)?.process.stderrTail() ?? [] };
    const piece = this.session.timeline.pieces[pieceIndexAt(this.session.timeline, this.session.segments[index].cutSeconds)];
    return new TranscoderFailedException(describeExit(exit), exit.stderrTail, recordingLabel(piece.path));
  }
}

let driverSerial = 0;
function nextDriverSerial(): number {
  driverSerial += 1;
  return driverSerial;
}
