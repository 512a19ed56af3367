/**
 * `npm run load`: many concurrent viewers on the playlist and segment routes of the built app,
 * with autocannon, auth on (each request checks its stream token and the camera), on the demo
 * recordings. Reports requests/s, p50, p99 and errors per scenario, then serves one ready
 * segment from the service, from a bare Node `createReadStream` server and from nginx, the same
 * bytes in one run, and reports the ratios. Writes bench/results/load.md. Not part of the test
 * suite (it measures; the machine is shared).
 */
import autocannon from 'autocannon';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  execFileSync('bash', [join(ROOT, 'scripts', 'setup.sh')], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NEEDS_LOAD_TOOLS: '1' } });
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
    const sameBytes = await sameSegmentScenarios(base, scratch, sessions[0].segments[5], token);
    for (const scenario of scenarios) {
      const result = await run(base, scenario);
      const errors = result.errors + result.non2xx;
      if (errors)
        log(
          `${scenario.name}: ${result.errors} errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx, status codes ${JSON.stringify(result.statusCodeStats)}`,
        );
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
      ...(await sameBytes()),
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

const SAME_BYTES_CONNECTIONS = 40;

/**
 * One ready segment served three ways, one after the other in this run, with the same load:
 * by the service (auth on: the segment's stream token is checked, and the session's camera),
 * by a bare Node server that streams the file with createReadStream, and by nginx. Returns the
 * function that runs them and gives the table.
 */
async function sameSegmentScenarios(base: string, scratch: string, segmentPath: string, token: string): Promise<() => Promise<string[]>> {
  // The file the service serves for that segment, copied out so the baselines read the same bytes.
  const bytes = Buffer.from(await (await fetch(`${base}${segmentPath}`)).arrayBuffer());
  const dir = join(scratch, 'same-bytes');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'segment.ts'), bytes);
  return async () => {
    const results: { name: string; result: WrkResult }[] = [];
    results.push({ name: 'this service (auth on)', result: await hammer(base, segmentPath) });
    // The same, while another client asks for a camera's week of recordings as fast as it can
    // (10 connections): the lookups are shared, and past 60 a minute answered 429 at once.
    const now = Math.floor(Date.now() / 1000);
    const [underLookups, lookups] = await Promise.all([
      hammer(base, segmentPath),
      hammer(base, `/cameras/${CAMERAS[0]}/recordings?after=${now - 7 * 86400}&before=${now}`, {
        connections: 10,
        headers: [`Authorization: Bearer ${token}`],
      }),
    ]);
    results.push({ name: 'this service, while week-long recordings lookups are hammered', result: underLookups });
    log(`recordings lookups meanwhile: ${Math.round(lookups.requestsPerSecond)}/s answered (429 past the per-user limit: ${lookups.errors})`);
    const node = await startBareNodeServer(dir);
    try {
      results.push({ name: 'bare Node createReadStream server', result: await hammer(node.base, '/segment.ts') });
    } finally {
      node.process.kill();
    }
    const nginx = await startNginx(dir, scratch);
    if (nginx) {
      try {
        results.push({ name: 'nginx', result: await hammer(nginx.base, '/segment.ts') });
      } finally {
        nginx.process.kill('SIGQUIT');
      }
    }
    const nodeRate = results.find(({ name }) => name.startsWith('bare Node'))!.result.requestsPerSecond;
    const lines = [
      `Same segment (${Math.round(bytes.length / 1024)} KiB), wrk with ${SAME_BYTES_CONNECTIONS} connections on one thread, ${DURATION_SECONDS} s each, one after the other in this run`,
      '',
      '| server | requests/s | p50 | p99 | of bare Node | errors |',
      '|---|---|---|---|---|---|',
      ...results.map(
        ({ name, result }) =>
          `| ${name} | ${Math.round(result.requestsPerSecond)} | ${result.p50} | ${result.p99} | ${((result.requestsPerSecond / nodeRate) * 100).toFixed(0)}% | ${result.errors} |`,
      ),
    ];
    if (!nginx) lines.push('', 'nginx: not installed (NEEDS_LOAD_TOOLS=1 bash scripts/setup.sh installs it)');
    lines.push('', 'Target: this service at least 90% of the bare Node server.');
    for (const line of lines) log(line);
    return lines;
  };
}

interface WrkResult {
  requestsPerSecond: number;
  p50: string;
  p99: string;
  /** Socket errors and non-2xx answers. */
  errors: number;
}

/** wrk on one URL (one thread, so that the server under test keeps a core of the two). */
async function hammer(base: string, path: string, options: { connections?: number; headers?: string[] } = {}): Promise<WrkResult> {
  const output = await new Promise<string>((resolvePromise, reject) => {
    const headers = (options.headers ?? []).flatMap((header) => ['-H', header]);
    const child = spawn('wrk', [
      '-t1',
      `-c${options.connections ?? SAME_BYTES_CONNECTIONS}`,
      `-d${DURATION_SECONDS}s`,
      '--latency',
      ...headers,
      `${base}${path}`,
    ]);
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50: /\s50%\s+(\S+)/.exec(output)?.[1] ?? '—',
    p99: /\s99%\s+(\S+)/.exec(output)?.[1] ?? '—',
    errors:
      number(/Non-2xx or 3xx responses:\s+(\d+)/) +
      (/Socket errors: (.*)/
        .exec(output)?.[1]
        ?.match(/\d+/g)
        ?.reduce((a, b) => a + Number(b), 0) ?? 0),
  };
}

/** The plainest Node server of a file: http + fs.createReadStream, in its own process. */
async function startBareNodeServer(dir: string): Promise<{ base: string; process: ChildProcess }> {
  const port = await freePort();
  const source = `
    const http = require('node:http'); const fs = require('node:fs'); const path = require('node:path');
    const file = path.join(${JSON.stringify(dir)}, 'segment.ts'); const size = fs.statSync(file).size;
    http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': size });
      fs.createReadStream(file).pipe(res);
    }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', source], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilServing(`${base}/segment.ts`);
  return { base, process: child };
}

/** nginx serving the folder (one worker per core, sendfile on), or null when nginx is not installed. */
async function startNginx(dir: string, scratch: string): Promise<{ base: string; process: ChildProcess } | null> {
  const binary = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((path) => existsSync(path));
  if (!binary) return null;
  const port = await freePort();
  const prefix = join(scratch, 'nginx');
  await mkdir(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  await writeFile(
    conf,
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes auto; daemon off; pid ${prefix}/nginx.pid; error_log ${prefix}/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  server { listen 127.0.0.1:${port}; root ${dir}; types { video/mp2t ts; } }
}
`,
  );
  const child = spawn(binary, ['-p', prefix, '-c', conf], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilServing(`${base}/segment.ts`);
  return { base, process: child };
}

async function waitUntilServing(url: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer`);
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
    if (
      await fetch(`${base}/health`).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not start');
}

main().catch((error: unknown) => {
  process.stderr.write(`load failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
