import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { AuxiliaryPoolBusyError, AuxiliaryProcessPool } from './auxiliary-process.pool';
import { childEnvironment, withParentDeathSignal } from './child-environment';
import { ProcessExit, SupervisedProcess } from './supervised-process';

export interface SpawnOptions {
  /** Output fds to read as lines: 1 is stdout, 3 and up are extra pipes. */
  outputFds?: number[];
  /** Give the child a standard input to write to (SupervisedProcess.stdin); otherwise it reads nothing. */
  stdin?: boolean;
  /** Working directory of the child. */
  cwd?: string;
  /** Niceness; media work yields the CPU to the HTTP server. */
  niceness?: number;
  /** Shown in logs. */
  label?: string;
  /** Fields added to its log entries (a session id, say), for structured logs. */
  logFields?: Record<string, unknown>;
}

/** Default niceness of spawned encoders. */
export const ENCODER_NICENESS = 10;
/** Niceness of an encoder far enough ahead of its viewer that it can wait for the others. */
export const RELAXED_ENCODER_NICENESS = 19;

/**
 * The only code in the service that starts processes. Each child gets its own process
 * group (so a stop reaches anything it forks), runs at low priority, has stderr drained, and
 * is tracked until it exits so that shutdown can stop every one of them.
 */
@Injectable()
export class FfmpegProcessSupervisor implements OnApplicationShutdown {
  private readonly logger = new Logger(FfmpegProcessSupervisor.name);
  private readonly live = new Set<SupervisedProcess>();
  /** Short auxiliary processes (run()): a few at once, apart from the encoder runs' slots. */
  private readonly auxiliary = new AuxiliaryProcessPool();

  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): SupervisedProcess {
    const outputFds = options.outputFds ?? [1];
    const maxFd = Math.max(2, ...outputFds);
    const stdio: ('ignore' | 'pipe')[] = [options.stdin ? 'pipe' : 'ignore'];
    for (let fd = 1; fd <= maxFd; fd += 1) {
      stdio.push(fd === 2 || outputFds.includes(fd) ? 'pipe' : 'ignore');
    }
    // argv array, never a shell; detached makes the child the leader of a new process group;
    // it dies with the service (a parent-death signal), and sees none of its secrets.
    const [program, argv] = withParentDeathSignal(command, args);
    const child = spawn(program, argv, { cwd: options.cwd, stdio, detached: true, env: childEnvironment(process.env) });
    const handle = new SupervisedProcess(child, outputFds);
    if (child.pid !== undefined) {
      handle.setNiceness(options.niceness ?? ENCODER_NICENESS);
      this.live.add(handle);
    }
    void handle.exited.then((exit) => {
      this.live.delete(handle);
      this.logExit(options.label ?? command, child.pid, exit, options.logFields ?? {}, handle.wasStopped);
    });
    return handle;
  }

  /**
   * Runs a short command to completion (or until the timeout) and returns how it ended and its
   * stdout. Such commands (the ffprobe fallback, the health probe) take turns in a small pool of
   * their own (AUXILIARY_POOL_LIMITS); one that gets no turn is not started and ends `busy`.
   */
  async run(command: string, args: readonly string[], timeoutMs: number): Promise<ProcessExit & { stdout: string[] }> {
    try {
      return await this.auxiliary.run(() => this.runNow(command, args, timeoutMs));
    } catch (error) {
      if (!(error instanceof AuxiliaryPoolBusyError)) throw error;
      return { code: null, signal: null, spawnError: error.message, busy: true, stderrTail: [], stdout: [] };
    }
  }

  private async runNow(command: string, args: readonly string[], timeoutMs: number): Promise<ProcessExit & { stdout: string[] }> {
    const handle = this.spawn(command, args, { outputFds: [1], niceness: 0, label: command });
    const stdout: string[] = [];
    handle.lines(1).subscribe((line) => stdout.push(line));
    const timer = setTimeout(() => void handle.stop(500), timeoutMs);
    timer.unref();
    try {
      return { ...(await handle.exited), stdout };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Children still running (paused ones included). */
  liveProcesses(): SupervisedProcess[] {
    return [...this.live];
  }

  async stopAll(graceMs = 3000): Promise<void> {
    await Promise.all([...this.live].map((handle) => handle.stop(graceMs)));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.live.size > 0) {
      this.logger.log(`stopping ${this.live.size} child process(es) before exit`);
    }
    await this.stopAll();
  }

  private logExit(label: string, pid: number | undefined, exit: ProcessExit, fields: Record<string, unknown>, stopped: boolean): void {
    const entry = (msg: string, extra: Record<string, unknown> = {}) => ({ msg, ...fields, pid, ...extra });
    if (exit.spawnError) {
      this.logger.error(entry(`${label} could not be started: ${exit.spawnError}`));
    } else if (exit.code !== 0 && exit.signal === null && !stopped) {
      // The last stderr lines are ffmpeg's reason: kept as a field, not folded into the message.
      this.logger.warn(entry(`${label} exited with code ${exit.code}`, { exitCode: exit.code, stderr: exit.stderrTail }));
    } else {
      this.logger.debug(entry(`${label} ended (code ${exit.code}, signal ${exit.signal})`));
    }
  }
}
