import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { freePort, waitFor } from './net';

/** The value of one sample in Prometheus text format (0 when absent). */
export function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** GET /metrics of a running app, as text. */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  return (await fetch(`${baseUrl}/metrics`)).text();
}

/** Debian's prometheus package holds both; `npm test` installs it (scripts/setup.sh, NEEDS_PROMETHEUS). */
const MISSING_PROMETHEUS = 'is missing: `NEEDS_PROMETHEUS=1 bash scripts/setup.sh` installs it (Debian’s prometheus package)';

/** Runs promtool (check rules, test rules, check config): its exit code and its output. */
export function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(`promtool ${MISSING_PROMETHEUS}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

export interface PrometheusServer {
  url: string;
  /** An instant query through the HTTP API: the API's answer (status, data or error). */
  query(
    expr: string,
  ): Promise<{ status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } }>;
  /** The rule groups as the server evaluates them (GET /api/v1/rules). */
  rules(): Promise<{ name: string; health: string; lastError?: string; lastEvaluation: string }[]>;
  /** Its log, for a failing test's message. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** A real Prometheus on a free loopback port, with this configuration, its data in a temp folder. */
export async function startPrometheus(config: object): Promise<PrometheusServer> {
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-prometheus-'));
  const port = await freePort();
  const configPath = join(scratch, 'prometheus.yml');
  const logPath = join(scratch, 'prometheus.log');
  await writeFile(configPath, dump(config));
  const log = await open(logPath, 'w');
  const child = spawn('prometheus', [`--config.file=${configPath}`, `--storage.tsdb.path=${join(scratch, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', log.fd, log.fd],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    // It flushes its head block on SIGTERM; a stuck one is killed rather than left behind.
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await Promise.race([exited, spawnError]);
    clearTimeout(killer);
    await log.close();
    await rm(scratch, { recursive: true, force: true });
  };
  const ready = async () => (await fetch(`${url}/-/ready`).catch(() => null))?.ok === true;
  const failed = await Promise.race([waitFor(ready, 20_000).then(() => null), spawnError]).catch((error: Error) => error);
  if (failed) {
    const output = await readFile(logPath, 'utf8').catch(() => '');
    await stop();
    throw (failed as NodeJS.ErrnoException).code === 'ENOENT'
      ? new Error(`prometheus ${MISSING_PROMETHEUS}`)
      : new Error(`prometheus did not start: ${failed.message}\n${output}`);
  }
  return {
    url,
    query: async (expr) => (await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`)).json(),
    rules: async () => {
      const answer = await (await fetch(`${url}/api/v1/rules`)).json();
      return answer.data.groups.flatMap((group: { rules: unknown[] }) => group.rules);
    },
    log: () => readFile(logPath, 'utf8'),
    stop,
  };
}
