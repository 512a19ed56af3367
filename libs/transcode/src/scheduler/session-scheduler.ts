/**
 * The per-session scheduler: a pure function from (state, event, now) to (state, commands).
 *
 * It decides, for one session, which ffmpeg runs exist, where each starts, when each pauses,
 * resumes, yields the CPU or stops, and when a waiting request is answered or failed. It never
 * touches a process, a file or a timer: the shell (SessionDriver) carries out its commands and
 * feeds back what happened as events.
 *
 * The rules, each a row of session-scheduler.spec.ts:
 * - A run's listed file is kept as its segment when it is the run's next one or later; one that
 *   starts before (ffmpeg's count drifted back) is not served, nor is what a stopping run lists
 *   (ffmpeg closes the segment it was writing on SIGTERM, cut short).
 * - A request for a finished segment is answered at once; one the run in front of it will
 *   reach within the wait window waits for that run; any other starts a run there (a seek).
 * - A session has up to `maxRunsPerSession` runs, one per viewer position. At the limit, the
 *   run nobody waits for and nobody asked for the longest is replaced.
 * - A run started for a seek pauses the session's other runs nobody waits for (they hold the
 *   CPU no longer); a request in a paused run's reach resumes it; one nobody comes back to
 *   stops after `supersededMs`.
 * - A run that reaches another run's segments stops: the other run serves its viewer.
 * - A run pauses `lookaheadSegments` ahead of its viewer and yields the CPU (renice) from
 *   `comfortableSegments` ahead.
 * - A run no request came near for `idleMs` stops.
 * - A withdrawn request (its client went away) is forgotten: it never starts, stops or moves a run.
 * - A run younger than `segmentWaitMs` that has not finished its first segment is never
 *   replaced, so two viewers far apart cannot restart each other forever.
 * - A hardware run that ends before its first segment makes the session go on in software
 *   (the encoder-choice policy's rule), and a run's first segment tells the node what it proves
 *   of the hardware encoder.
 * - A run a request started that ends, or goes past the segment, without making it fails
 *   that request (502) instead of being restarted in a loop.
 */

import { encoderKindForRun, hardwareFailedToStart, verdictOfFirstSegment } from '../policy/encoder-choice';

export interface SchedulerConfig {
  /** A segment fewer than this many segments ahead of a run's next one waits for it. */
  waitWindowSegments: number;
  /** A run pauses once it is this many finished segments ahead of its viewer. */
  lookaheadSegments: number;
  /** From this many segments ahead of its viewer, a run runs at the lowest priority. */
  comfortableSegments: number;
  maxRunsPerSession: number;
  /** A run no request came near for this long stops (IDLE_TIMEOUT_SECONDS). */
  idleMs: number;
  /** A run paused for another viewer's seek that nobody came back to stops after this long. */
  supersededMs: number;
  /** How long a request waits for its segment, and how long a new run is protected. */
  segmentWaitMs: number;
  /** Whether a new run may use the hardware encoder (configured, and not degraded right now). */
  hardwareAllowed: boolean;
}

export type RunPhase = 'starting' | 'encoding' | 'paused' | 'stopping';

export interface RunState {
  readonly id: number;
  readonly startIndex: number;
  /** The next segment this run will finish. */
  readonly nextIndex: number;
  readonly startedAt: number;
  readonly phase: RunPhase;
  readonly hardware: boolean;
  /** Paused because another viewer's seek took the CPU, not because it is far ahead. */
  readonly superseded: boolean;
  /** Runs at the lowest priority (comfortably ahead of its viewer). */
  readonly relaxed: boolean;
  /** The last time a request fell in its reach. */
  readonly wantedAt: number;
  /** The furthest segment asked for in its reach: where its viewer is. */
  readonly viewerHead: number;
}

export interface WaiterState {
  readonly id: number;
  readonly index: number;
  readonly deadline: number;
  /** Runs started for this request: one of them failing to make the segment fails the request. */
  readonly startedRuns: readonly number[];
}

export interface SchedulerState {
  readonly runs: readonly RunState[];
  readonly waiters: readonly WaiterState[];
  readonly nextRunId: number;
  /** Why the hardware encoder failed to start for this session (it goes on in software); null while it has not. */
  readonly hardwareFailure: string | null;
}

export type SchedulerEvent =
  /** A request for segment `index`; `ready` when its file is finished. */
  | { type: 'requested'; waiter: number; index: number; ready: boolean; deadline: number }
  /** The client of a waiting request went away. */
  | { type: 'withdrawn'; waiter: number }
  /** A run finished a file the shell takes for segment `index` (see plannedIndexOfListing). */
  | { type: 'listed'; run: number; index: number }
  /**
   * A run's process ended; `beforeSpawn` when it never started (a recording gone, a folder not
   * writable): no reason to blame the hardware encoder. `reason`: how it ended, in words (the
   * shell's to tell), kept as the session's hardware failure when it is one.
   */
  | { type: 'exited'; run: number; beforeSpawn?: boolean; reason?: string }
  /** No process slot was free for a run the scheduler started. */
  | { type: 'refused'; run: number }
  /** The process limit takes this run's slot for another session. */
  | { type: 'preempt'; run: number }
  /** Time passed: deadlines and idle runs. */
  | { type: 'tick' };

export type StopReason = 'idle' | 'superseded' | 'caught-up' | 'replaced' | 'preempted';

export type WaiterFailure =
  /** The segment did not come before the request's deadline: 504. */
  | { kind: 'timeout' }
  /** The run started for it ended, or went past it, without making it: 502 (or 503 when it could not start). */
  | { kind: 'encoder-failed'; run: number }
  /** No process slot was free and none could be taken: 503 with Retry-After. */
  | { kind: 'busy' };

export type SchedulerCommand =
  | { type: 'start'; run: number; index: number; hardware: boolean }
  | { type: 'stop'; run: number; reason: StopReason }
  | { type: 'pause'; run: number }
  | { type: 'resume'; run: number }
  | { type: 'renice'; run: number; relaxed: boolean }
  /** The file a run listed is segment `index`: serve it from now on. */
  | { type: 'keep'; run: number; index: number }
  /** The file a run listed starts before its next segment: not served. */
  | { type: 'ignore'; run: number; index: number }
  | { type: 'answer'; waiter: number; index: number }
  | { type: 'fail'; waiter: number; index: number; failure: WaiterFailure }
  /** The session goes on in software: run `run`, on the hardware encoder, ended before its first segment. */
  | { type: 'fell-back'; run: number; reason: string }
  /** A run's first segment proved the hardware encoder works (a hardware run), or that it fails (the fallen-back session's software run works). */
  | { type: 'hardware-works' }
  | { type: 'hardware-failed'; reason: string }
  /** When the shell should send the next tick (null: no timer needed). */
  | { type: 'wake'; at: number | null };

export interface SchedulerResult {
  state: SchedulerState;
  commands: SchedulerCommand[];
}

export const INITIAL_SCHEDULER_STATE: SchedulerState = { runs: [], waiters: [], nextRunId: 1, hardwareFailure: null };

/** Whether a request for `index` is one of the run's viewer's: from where the run started up to the wait window ahead of it. */
function inReach(run: RunState, index: number, config: SchedulerConfig): boolean {
  return index >= run.startIndex && index - run.nextIndex < config.waitWindowSegments;
}

/** Whether the run will make segment `index` itself (it is at or ahead of the run's next segment, within the window). */
function willMake(run: RunState, index: number, config: SchedulerConfig): boolean {
  return run.phase !== 'stopping' && index >= run.nextIndex && index - run.nextIndex < config.waitWindowSegments && index >= run.startIndex;
}

/**
 * Whether someone needs the run now: it has not finished its first segment, or a request waits
 * for a segment it will make (or that it was started for). Such a run is never preempted.
 */
export function isRunNeeded(state: SchedulerState, runId: number, config: SchedulerConfig): boolean {
  const run = state.runs.find((candidate) => candidate.id === runId);
  if (!run || run.phase === 'stopping') return false;
  if (run.phase === 'starting') return true;
  return state.waiters.some((waiter) => waiter.startedRuns.includes(runId) || willMake(run, waiter.index, config));
}

/** A fresh run that has not finished its first segment is protected while younger than the wait timeout. */
function isProtected(run: RunState, now: number, config: SchedulerConfig): boolean {
  return run.nextIndex === run.startIndex && now - run.startedAt < config.segmentWaitMs;
}

/** The scheduler's transition function. */
export function schedule(state: SchedulerState, event: SchedulerEvent, now: number, config: SchedulerConfig): SchedulerResult {
  const step = new Step(state, now, config);
  step.apply(event);
  step.settle();
  return step.result();
}

/** One transition, written as a few small mutations of copies (never of the given state). */
class Step {
  private runs: RunState[];
  private waiters: WaiterState[];
  private nextRunId: number;
  private hardwareFailure: string | null;
  private readonly commands: SchedulerCommand[] = [];
  /** Waiters failed for want of a slot in this step: they are not given another run in it. */
  private refusedThisStep = false;

  constructor(
    state: SchedulerState,
    private readonly now: number,
    private readonly config: SchedulerConfig,
  ) {
    this.runs = [...state.runs];
    this.waiters = [...state.waiters];
    this.nextRunId = state.nextRunId;
    this.hardwareFailure = state.hardwareFailure;
  }

  apply(event: SchedulerEvent): void {
    switch (event.type) {
      case 'requested':
        return this.requested(event.waiter, event.index, event.ready, event.deadline);
      case 'withdrawn':
        this.waiters = this.waiters.filter((waiter) => waiter.id !== event.waiter);
        return;
      case 'listed':
        return this.listed(event.run, event.index);
      case 'exited':
        return this.exited(event.run, event.beforeSpawn ?? false, event.reason);
      case 'refused':
        return this.refused(event.run);
      case 'preempt':
        return this.stopRun(event.run, 'preempted');
      case 'tick':
        return this.tick();
    }
  }

  result(): SchedulerResult {
    this.commands.push({ type: 'wake', at: this.nextWake() });
    return {
      state: { runs: this.runs, waiters: this.waiters, nextRunId: this.nextRunId, hardwareFailure: this.hardwareFailure },
      commands: this.commands,
    };
  }

  private requested(waiter: number, index: number, ready: boolean, deadline: number): void {
    // The request says where a viewer is: the runs whose reach it falls in are wanted.
    for (const run of this.runs) {
      if (run.phase === 'stopping' || !inReach(run, index, this.config)) continue;
      this.update(run, { wantedAt: this.now, viewerHead: Math.max(run.viewerHead, index), superseded: false });
    }
    if (ready) {
      this.commands.push({ type: 'answer', waiter, index });
      return;
    }
    this.waiters.push({ id: waiter, index, deadline, startedRuns: [] });
  }

  private listed(runId: number, index: number): void {
    const run = this.run(runId);
    if (!run || run.phase === 'stopping') return;
    if (index < run.nextIndex) {
      this.commands.push({ type: 'ignore', run: runId, index });
      return;
    }
    if (run.nextIndex === run.startIndex) this.report(verdictOfFirstSegment(run.hardware, this.hardwareFailure));
    this.commands.push({ type: 'keep', run: runId, index });
    this.update(run, { nextIndex: index + 1, phase: run.phase === 'starting' ? 'encoding' : run.phase });
    for (const waiter of this.waiters) {
      if (waiter.index === index) this.commands.push({ type: 'answer', waiter: waiter.id, index });
      // A run this request started went past its segment without making it (no frame there).
      else if (waiter.startedRuns.includes(runId) && waiter.index < index && waiter.index >= run.startIndex) {
        this.commands.push({ type: 'fail', waiter: waiter.id, index: waiter.index, failure: { kind: 'encoder-failed', run: runId } });
      }
    }
    const answered = new Set(this.commands.filter((c) => c.type === 'answer' || c.type === 'fail').map((c) => (c as { waiter: number }).waiter));
    this.waiters = this.waiters.filter((waiter) => !answered.has(waiter.id));
    // Caught up with another run's segments: that run serves this run's viewer from here.
    const after = this.run(runId)!;
    const ahead = this.runs.find(
      (other) =>
        other.id !== runId &&
        other.phase !== 'stopping' &&
        other.startIndex <= after.nextIndex &&
        after.nextIndex < Math.max(other.nextIndex, other.startIndex + 1),
    );
    if (ahead) {
      this.update(ahead, {
        viewerHead: Math.max(ahead.viewerHead, after.viewerHead),
        wantedAt: Math.max(ahead.wantedAt, after.wantedAt),
        superseded: ahead.superseded && after.superseded,
      });
      this.stopRun(runId, 'caught-up');
    }
  }

  private exited(runId: number, beforeSpawn: boolean, reason = 'it ended before its first segment'): void {
    const run = this.run(runId);
    if (!run) return;
    this.runs = this.runs.filter((other) => other.id !== runId);
    if (run.phase === 'stopping') return;
    // A hardware run that ended before its first segment: the session goes on in software (the
    // waiters get a software run when the step settles).
    if (hardwareFailedToStart({ hardware: run.hardware, madeSegment: run.nextIndex !== run.startIndex, stopping: false, beforeSpawn })) {
      if (this.hardwareFailure === null) {
        this.hardwareFailure = reason;
        this.commands.push({ type: 'fell-back', run: runId, reason });
      }
      return;
    }
    // A run a request started that ended before its segment: that request fails (no restart loop).
    for (const waiter of this.waiters) {
      if (waiter.startedRuns.includes(runId) && waiter.index >= run.nextIndex) {
        this.commands.push({ type: 'fail', waiter: waiter.id, index: waiter.index, failure: { kind: 'encoder-failed', run: runId } });
      }
    }
    this.waiters = this.waiters.filter((waiter) => !(waiter.startedRuns.includes(runId) && waiter.index >= run.nextIndex));
  }

  private refused(runId: number): void {
    this.runs = this.runs.filter((run) => run.id !== runId);
    // No slot now: every request no live run will serve gets 503 and may try again later.
    for (const waiter of this.waiters) {
      if (this.servingRun(waiter.index)) continue;
      this.commands.push({ type: 'fail', waiter: waiter.id, index: waiter.index, failure: { kind: 'busy' } });
    }
    this.waiters = this.waiters.filter((waiter) => this.servingRun(waiter.index));
    this.refusedThisStep = true;
  }

  private tick(): void {
    const expired = this.waiters.filter((waiter) => waiter.deadline <= this.now);
    for (const waiter of expired) this.commands.push({ type: 'fail', waiter: waiter.id, index: waiter.index, failure: { kind: 'timeout' } });
    this.waiters = this.waiters.filter((waiter) => waiter.deadline > this.now);
    for (const run of [...this.runs]) {
      if (run.phase === 'stopping' || run.phase === 'starting' || this.hasWaiterFor(run)) continue;
      if (this.now - run.wantedAt >= this.config.idleMs) this.stopRun(run.id, 'idle');
      else if (run.superseded && this.now - run.wantedAt >= this.config.supersededMs) this.stopRun(run.id, 'superseded');
    }
  }

  /** Gives every waiter a run that will make its segment, then sets each run's pace. */
  settle(): void {
    for (const waiter of [...this.waiters].sort((a, b) => a.id - b.id)) {
      const serving = this.servingRun(waiter.index);
      if (serving) {
        this.update(serving, { wantedAt: this.now, superseded: false });
        continue;
      }
      if (this.refusedThisStep) continue;
      this.startRunFor(waiter);
    }
    for (const run of this.runs) this.pace(run);
  }

  /** A live run that will make segment `index` soon. */
  private servingRun(index: number): RunState | undefined {
    return this.runs.find((run) => willMake(run, index, this.config));
  }

  private startRunFor(waiter: WaiterState): void {
    const live = this.runs.filter((run) => run.phase !== 'stopping');
    if (live.length >= this.config.maxRunsPerSession) {
      // Replace the run nobody waits for and nobody wanted the longest; none such: keep waiting.
      const replaceable = live.filter((run) => !this.hasWaiterFor(run) && !isProtected(run, this.now, this.config)).sort((a, b) => a.wantedAt - b.wantedAt);
      if (replaceable.length === 0) return;
      this.stopRun(replaceable[0].id, 'replaced');
    }
    const id = this.nextRunId;
    this.nextRunId += 1;
    const hardware = encoderKindForRun(this.config.hardwareAllowed, this.hardwareFailure !== null) === 'hardware';
    // Another viewer's seek: the runs nobody waits for give up the CPU until someone comes back to them.
    for (const run of this.runs) {
      if (run.phase !== 'encoding' || this.hasWaiterFor(run)) continue;
      this.update(run, { superseded: true });
    }
    this.runs.push({
      id,
      startIndex: waiter.index,
      nextIndex: waiter.index,
      startedAt: this.now,
      phase: 'starting',
      hardware,
      superseded: false,
      relaxed: false,
      wantedAt: this.now,
      viewerHead: waiter.index,
    });
    this.waiters = this.waiters.map((w) => (w.id === waiter.id ? { ...w, startedRuns: [...w.startedRuns, id] } : w));
    this.commands.push({ type: 'start', run: id, index: waiter.index, hardware });
  }

  /** Pause, resume and priority of one run, from where its viewer and its waiters are. */
  private pace(run: RunState): void {
    if (run.phase === 'stopping' || run.phase === 'starting') return;
    const demand = this.waiters.reduce((head, waiter) => (willMake(run, waiter.index, this.config) ? Math.max(head, waiter.index) : head), run.viewerHead);
    const ahead = run.nextIndex - 1 - demand;
    const shouldPause = run.superseded || ahead >= this.config.lookaheadSegments;
    if (shouldPause && run.phase === 'encoding') {
      this.update(run, { phase: 'paused' });
      this.commands.push({ type: 'pause', run: run.id });
      return;
    }
    if (!shouldPause && run.phase === 'paused') {
      this.update(run, { phase: 'encoding' });
      this.commands.push({ type: 'resume', run: run.id });
    }
    const relaxed = ahead >= this.config.comfortableSegments;
    if (!shouldPause && relaxed !== run.relaxed) {
      this.update(run, { relaxed });
      this.commands.push({ type: 'renice', run: run.id, relaxed });
    }
  }

  private stopRun(runId: number, reason: StopReason): void {
    const run = this.run(runId);
    if (!run || run.phase === 'stopping') return;
    this.update(run, { phase: 'stopping' });
    this.commands.push({ type: 'stop', run: runId, reason });
  }

  /** Tells the node what a run's first segment proved about the hardware encoder. */
  private report(verdict: ReturnType<typeof verdictOfFirstSegment>): void {
    if (verdict) this.commands.push(verdict.kind === 'hardware-works' ? { type: 'hardware-works' } : { type: 'hardware-failed', reason: verdict.reason });
  }

  private hasWaiterFor(run: RunState): boolean {
    return this.waiters.some((waiter) => willMake(run, waiter.index, this.config) || waiter.startedRuns.includes(run.id));
  }

  private run(id: number): RunState | undefined {
    return this.runs.find((run) => run.id === id);
  }

  private update(run: RunState, changes: Partial<RunState>): void {
    this.runs = this.runs.map((other) => (other.id === run.id ? { ...other, ...changes } : other));
  }

  /** The earliest moment a tick can change something: a deadline, an idle or superseded run, a protection ending. */
  private nextWake(): number | null {
    const times: number[] = this.waiters.map((waiter) => waiter.deadline);
    for (const run of this.runs) {
      if (run.phase === 'stopping') continue;
      if (run.phase === 'starting') {
        // When its protection ends a waiter may replace it: only a moment still to come.
        const unprotectedAt = run.startedAt + this.config.segmentWaitMs;
        if (this.waiters.length > 0 && unprotectedAt > this.now) times.push(unprotectedAt);
        continue;
      }
      times.push(run.wantedAt + (run.superseded ? this.config.supersededMs : this.config.idleMs));
    }
    return times.length ? Math.max(this.now, Math.min(...times)) : null;
  }
}
