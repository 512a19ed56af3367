/**
 * Starts the real app for an e2e test: either in-process (Nest testing module, listening on a
 * free loopback port) or as a separate `node dist/.../main.js` process, each with its own
 * TRANSCODE_DIR so that tests never see each other's sessions or processes.
 */
import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../../apps/transcode-server/src/app.module';
import { configureApp } from '../../apps/transcode-server/src/configure-app';
import { RECORDINGS_DIR } from './fixtures';
import { freePort, waitFor } from './net';

export { freePort, waitFor } from './net';

export const DIST_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'transcode-server', 'main.js');

export interface TestApp {
  baseUrl: string;
  transcodeDir: string;
  app: INestApplication;
  close(): Promise<void>;
}

/** A fresh temp folder for one test's TRANSCODE_DIR (and anything else it writes). */
export async function makeScratchDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nvr-e2e-'));
}

/** Where apps run inside the test process write their logs (test/artifacts is git-ignored). */
export const ARTIFACTS_LOGS_DIR = join(__dirname, '..', 'artifacts', 'logs');

export function baseEnv(scratch: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    RECORDINGS_DIR,
    TRANSCODE_DIR: join(scratch, 'transcode'),
    OUTPUT_MAX_HEIGHT: '720',
    DATA_DIR: join(scratch, 'data'),
    // Auth has its own e2e suite; the transcoding suites run as Frigate's trusted internal port does.
    AUTH_DISABLED: 'true',
    // Warnings and errors only: the suites' output stays readable.
    LOG_LEVEL: 'warn',
    ...env,
  };
}

/** The app in this process, exactly as main.ts configures it, on a free port. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const scratch = await makeScratchDir();
  // An app in this process writes its log to a file, so the suite's output is its results.
  const settings = baseEnv(scratch, { LOG_FILE: join(ARTIFACTS_LOGS_DIR, `e2e-${process.pid}.log`), ...env });
  const saved = { ...process.env };
  Object.assign(process.env, settings);
  let app: INestApplication;
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] }));
    await app.listen(0, '127.0.0.1');
  } finally {
    process.env = saved;
  }
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    transcodeDir: settings.TRANSCODE_DIR,
    close: async () => {
      await app.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export interface AppProcess {
  child: ChildProcess;
  baseUrl: string;
  transcodeDir: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  cleanup(): Promise<void>;
}

/** The built app as its own process (for signals and start-up failures). */
export async function startAppProcess(env: Record<string, string> = {}, waitForListen = true): Promise<AppProcess> {
  const scratch = await makeScratchDir();
  const port = env.PORT ?? String(await freePort());
  const settings = baseEnv(scratch, { PORT: port, ...env });
  const child = spawn(process.execPath, [DIST_MAIN], {
    env: { ...process.env, ...settings, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const handle: AppProcess = {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    transcodeDir: settings.TRANSCODE_DIR,
    output: () => output,
    exited,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    cleanup: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // As an orchestrator stops it: SIGTERM (it stops its ffmpeg children), SIGKILL if it hangs.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      // A test that killed it outright leaves its ffmpeg (own process group) behind: no leftovers.
      for (const pid of await ffmpegProcessesUsing(settings.TRANSCODE_DIR)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await rm(scratch, { recursive: true, force: true });
    },
  };
  if (waitForListen) {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`app exited during start:\n${output}`);
      return (await fetch(`${handle.baseUrl}/health`).catch(() => null)) !== null;
    }, 20_000);
  }
  return handle;
}

/** pids of ffmpeg processes whose command line names `dir` (i.e. that write into it). */
export async function ffmpegProcessesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const [command] = cmdline.split('\0');
    if (command.endsWith('ffmpeg') && cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * The same, read synchronously: a sampler that must not wait behind the libuv pool of an app
 * in this process busy with hundreds of requests (its samples would all come after the fact).
 */
export function ffmpegProcessesUsingSync(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const [command] = cmdline.split('\0');
    if (command.endsWith('ffmpeg') && cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

/** Those of them that are encoding: not stopped (SIGSTOP, state T) by a pause. */
export async function encodingFfmpegProcessesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await ffmpegProcessesUsing(dir)) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // The state follows the command name in parentheses.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state && state !== 'T' && state !== 't') pids.push(pid);
  }
  return pids;
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: tests that expect JSON assert on it.
  }
  return { status: response.status, body, headers: response.headers };
}

export { rangeUrl } from './media-playlist';

/** The state letter of a process (`/proc/<pid>/stat`): R running, S sleeping, T stopped (a paused encoder). */
export async function processState(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1][0];
}
