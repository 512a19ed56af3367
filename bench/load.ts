/**
 * `npm run load`: many concurrent viewers on the playlist and segment routes of the built app,
 * with autocannon, auth on (each request checks its stream token and the camera), on the demo
 * recordings. Reports requests/s, p50, p99 and errors per scenario and writes
 * bench/results/load.md. Not part of the test suite (it measures; the machine is shared).
 */
import autocannon from 'autocannon';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sign } from 'jsonwebtoken';
import { freePort } from '../test/support/net';

const ROOT = resolve(__dirname, '..');
const RECORDINGS_DIR = resolve(process.env.RECORDINGS_DIR ?? join(ROOT, 'data', 'recordings'));
const CAMERAS = ['front_door', 'driveway'];
const SECRET = 'load-test-secret-0123456789abcdef';
/** Segments made ready per session before the load starts (the serving path, not encoding, is measured). */
const READY_SEGMENTS = 20;
const DURATION_SECONDS = Number(process.env.LOAD_SECONDS ?? 15);
const log = (line: string) => process.stdout.write(`[load] ${line}\n`);

interface Scenario {
  name: string;
  connections: number;
  paths: string[];
}

async function main(): Promise<void> {
  const start = await firstRecording();
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const port = await freePort();
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-load-'));
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'transcode-server', 'main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      RECORDINGS_DIR,
      TRANSCODE_DIR: join(scratch, 'transcode'),
      DATA_DIR: join(scratch, 'data'),
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      SESSION_CREATE_LIMIT: '1000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(base, server);
    const token = sign({ sub: 'load', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' });
    // Four sessions (two cameras, two ranges each), READY_SEGMENTS finished in each.
    const sessions: { playlist: string; segments: string[] }[] = [];
    for (const camera of CAMERAS) {
      for (const offset of [0, 900]) {
        const response = await fetch(`${base}/transcode/${camera}/start/${start + offset}/end/${start + offset + 600}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (!response.ok) throw new Error(`create ${camera}: ${response.status} ${await response.text()}`);
        const { playlist } = (await response.json()) as { playlist: string };
        const text = await (await fetch(`${base}${playlist}`)).text();
        const segments = text
          .split('\n')
          .filter((line) => line.startsWith('seg_'))
          .slice(0, READY_SEGMENTS)
          .map((line) => new URL(line, `${base}${playlist}`).pathname + new URL(line, `${base}${playlist}`).search);
        for (const segment of segments) await (await fetch(`${base}${segment}`)).arrayBuffer();
        sessions.push({ playlist, segments });
      }
    }
    log(`${sessions.length} sessions ready, ${READY_SEGMENTS} segments each`);
    const scenarios: Scenario[] = [
      { name: 'playlist, 50 viewers', connections: 50, paths: sessions.map((s) => s.playlist) },
      { name: 'playlist, 200 viewers', connections: 200, paths: sessions.map((s) => s.playlist) },
      { name: 'ready segments, 50 viewers', connections: 50, paths: sessions.flatMap((s) => s.segments) },
      { name: 'ready segments, 200 viewers', connections: 200, paths: sessions.flatMap((s) => s.segments) },
    ];
    const rows: string[] = [];
    for (const scenario of scenarios) {
      const result = await run(base, scenario);
      const errors = result.errors + result.non2xx;
      if (errors) log(`${scenario.name}: ${result.errors} errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx, status codes ${JSON.stringify(result.statusCodeStats)}`);
      const row = `| ${scenario.name} | ${Math.round(result.requests.average)} | ${result.latency.p50} ms | ${result.latency.p99} ms | ${(result.throughput.average / 1048576).toFixed(1)} MiB/s | ${errors} |`;
      log(row);
      rows.push(row);
    }
    const table = [
      `Load (${DURATION_SECONDS} s per scenario, autocannon, auth on, ${new Date().toISOString().slice(0, 10)})`,
      '',
      '| scenario | requests/s | p50 | p99 | throughput | errors |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(join(ROOT, 'bench', 'results', 'load.md'), table);
    process.stdout.write(`\n${table}\n`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Each connection requests the scenario's URLs in turn, as viewers do. */
function run(base: string, scenario: Scenario): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: base,
        connections: scenario.connections,
        duration: DURATION_SECONDS,
        requests: scenario.paths.map((path) => ({ method: 'GET', path })),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function firstRecording(): Promise<number> {
  const dates = (await readdir(RECORDINGS_DIR).catch(() => [] as string[])).sort();
  if (dates.length === 0) {
    log('no demo recordings: making them (about a minute)');
    execFileSync('npm', ['run', '-s', 'demo:recordings'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, RECORDINGS_DIR } });
    return firstRecording();
  }
  for (const date of dates) {
    for (const hour of (await readdir(join(RECORDINGS_DIR, date))).sort()) {
      const files = (await readdir(join(RECORDINGS_DIR, date, hour, CAMERAS[0])).catch(() => [] as string[])).sort();
      if (files.length) {
        const [mm, ss] = files[0].replace('.mp4', '').split('.');
        return Date.parse(`${date}T${hour}:${mm}:${ss}Z`) / 1000;
      }
    }
  }
  throw new Error(`no recordings of ${CAMERAS[0]} in ${RECORDINGS_DIR}`);
}

async function waitUntilUp(base: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (server.exitCode !== null) throw new Error('the server exited during start');
    if (await fetch(`${base}/health`).then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not start');
}


main().catch((error: unknown) => {
  process.stderr.write(`load failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
