import { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { Observable, Subject } from 'rxjs';

/** How a supervised process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError?: string;
  /** Set when run() got no turn in the auxiliary process pool: nothing was started (spawnError says why). */
  busy?: boolean;
  /** The last lines it wrote to stderr. */
  stderrTail: string[];
}

const STDERR_TAIL_LINES = 40;
const STDERR_LINE_MAX_CHARS = 500;

/**
 * A handle on one child process started by the supervisor. Its output is exposed as
 * line Observables, its end as a Promise and an Observable; stderr is always drained into
 * a bounded tail so a chatty process can neither block on a full pipe nor grow memory.
 */
export class SupervisedProcess {
  readonly exited: Promise<ProcessExit>;
  private readonly exitSubject = new Subject<ProcessExit>();
  private readonly lineSubjects = new Map<number, Subject<string>>();
  private readonly stderrLines: string[] = [];
  private exitInfo: ProcessExit | null = null;
  private paused = false;
  private pauses = 0;
  private stopRequested = false;
  private currentNiceness: number | null = null;

  constructor(
    private readonly child: ChildProcess,
    outputFds: readonly number[],
  ) {
    for (const fd of outputFds) {
      const subject = new Subject<string>();
      this.lineSubjects.set(fd, subject);
      const stream = child.stdio[fd] as Readable | null;
      if (!stream) {
        subject.complete();
        continue;
      }
      const reader = createInterface({ input: stream, crlfDelay: Infinity });
      reader.on('line', (line) => subject.next(line));
      reader.on('close', () => subject.complete());
    }
    // A child that exits while it is being written to breaks the pipe (EPIPE): its exit says
    // why, and the error must not go unhandled.
    child.stdin?.on('error', () => undefined);
    if (child.stderr) {
      createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => this.recordStderr(line));
    }
    this.exited = new Promise<ProcessExit>((resolve) => {
      const finish = (exit: Omit<ProcessExit, 'stderrTail'>) => {
        if (this.exitInfo) return;
        this.exitInfo = { ...exit, stderrTail: [...this.stderrLines] };
        this.exitSubject.next(this.exitInfo);
        this.exitSubject.complete();
        resolve(this.exitInfo);
      };
      // 'close' comes after every stdio stream has ended, so all output lines were delivered first.
      child.once('close', (code, signal) => finish({ code, signal }));
      child.once('error', (error) => finish({ code: null, signal: null, spawnError: error.message }));
    });
  }

  /** Its standard input, when it was spawned with one (`stdin: true`); null otherwise. */
  get stdin(): Writable | null {
    return this.child.stdin;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === null && this.child.pid !== undefined;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** How many times it has been paused: work measured across a pause is not its speed. */
  get pauseCount(): number {
    return this.pauses;
  }

  /** Lines written to an output fd given at spawn (1 = stdout, 3+ = extra pipes). */
  lines(fd: number): Observable<string> {
    const subject = this.lineSubjects.get(fd);
    if (!subject) throw new Error(`fd ${fd} was not opened as an output pipe`);
    return subject.asObservable();
  }

  /** Emits once, when the process has ended. */
  get exit$(): Observable<ProcessExit> {
    return this.exitSubject.asObservable();
  }

  stderrTail(): string[] {
    return [...this.stderrLines];
  }

  get niceness(): number | null {
    return this.currentNiceness;
  }

  /**
   * Sets the niceness of every thread of the process (on Linux, setpriority on a pid reaches
   * only that one thread; ffmpeg's decoder and filter threads need it too). Best effort.
   */
  setNiceness(niceness: number): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exitInfo || this.currentNiceness === niceness) return;
    let threads: number[] = [pid];
    try {
      threads = readdirSync(`/proc/${pid}/task`).map(Number);
    } catch {
      // No /proc: the main thread only.
    }
    let applied = false;
    for (const tid of threads) {
      try {
        setPriority(tid, niceness);
        applied = true;
      } catch {
        // Gone, or not allowed: raising priority again needs CAP_SYS_NICE (see docker-compose.yml).
      }
    }
    if (applied) this.currentNiceness = niceness;
  }

  /** SIGSTOP the whole process group: it keeps its state but uses no CPU. */
  pause(): void {
    if (this.running && !this.paused && this.signalGroup('SIGSTOP')) {
      this.paused = true;
      this.pauses += 1;
    }
  }

  resume(): void {
    if (this.paused && this.signalGroup('SIGCONT')) this.paused = false;
  }

  /**
   * SIGTERM, then SIGKILL after the grace period. A paused process is resumed first:
   * a stopped process cannot act on SIGTERM.
   */
  /** Whether it was asked to stop (ffmpeg answers SIGTERM with exit code 255: not a failure). */
  get wasStopped(): boolean {
    return this.stopRequested;
  }

  async stop(graceMs = 3000): Promise<ProcessExit> {
    if (this.running) {
      this.stopRequested = true;
      this.resume();
      this.signalGroup('SIGTERM');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
      timer.unref();
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** Sends a signal to the child's process group (the child leads its own group). */
  signalGroup(signal: NodeJS.Signals): boolean {
    const pid = this.child.pid;
    if (pid === undefined || this.exitInfo) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private recordStderr(line: string): void {
    const trimmed = line.trimEnd();
    if (!trimmed) return;
    this.stderrLines.push(trimmed.slice(0, STDERR_LINE_MAX_CHARS));
    if (this.stderrLines.length > STDERR_TAIL_LINES) this.stderrLines.shift();
  }
}
