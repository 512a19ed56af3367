/**
 * `npm run load`: many concurrent viewers on the playlist and segment routes of the built app,
 * with autocannon, auth on (each request checks its stream token and the camera), on a week of
 * recordings made of the demo's (links). Reports requests/s, p50, p99 and errors per scenario,
 * then serves one ready segment from the service, from a bare Node `createReadStream` server and
 * from nginx, the same bytes in one run, and reports the ratios; and serves it again while
 * other connections hammer week-long recordings lookups, against a control hammer of a cheap
 * route, to show what the lookups cost segment serving past their brake. Writes
 * bench/results/load.md. Not part of the test suite (it measures; the machine is shared).
 */
import autocannon from 'autocannon';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { sign } from 'jsonwebtoken';
import { freePort } from '../test/support/net';
import { cpuSeconds } from './lib/proc';
import { RECORDINGS_LOOKUP_LIMIT } from '../libs/recordings/src/recordings-lookup.limiter';
import { WEEK_SECONDS, WeekOfRecordings, weekOfRecordings } from './lib/week-of-recordings';
import { writeBenchCharts } from './lib/chart-files';
import type { LoadResults, ServingResult } from './lib/charts';
import { describeMachine } from './lib/machine';

const ROOT = resolve(__dirname, '..');
const RECORDINGS_DIR = resolve(process.env.RECORDINGS_DIR ?? join(ROOT, 'data', 'recordings'));
const CAMERAS = ['front_door', 'driveway'];
/** The cameras whose week the lookups walk (the issue's case: three cameras, seven days). */
const LOOKUP_CAMERAS = ['front_door', 'driveway', 'front_door_h264'];
/** Connections that hammer the recordings route (and, as the control, a cheap route). */
const LOOKUP_CONNECTIONS = 10;
/** Users of the "several users" row: each has its own per-user limit. */
const LOOKUP_USERS = 8;
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
  await firstRecording(RECORDINGS_DIR);
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const port = await freePort();
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-load-'));
  const linking = Date.now();
  const week = weekOfRecordings(RECORDINGS_DIR, scratch, LOOKUP_CAMERAS);
  log(`a week of recordings: ${week.filesPerCamera} files per camera (${week.made}, ${((Date.now() - linking) / 1000).toFixed(1)} s) in ${week.dir}`);
  const start = await firstRecording(week.dir);
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'transcode-server', 'main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      RECORDINGS_DIR: week.dir,
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
    const token = userToken('load');
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
    const scenarioResults: LoadResults['scenarios'] = [];
    const sameBytes = await sameSegmentScenarios(base, scratch, sessions[0].segments[5], week, () => waitUntilIdle(server.pid!));
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
      scenarioResults.push({
        name: scenario.name,
        connections: scenario.connections,
        requestsPerSecond: result.requests.average,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        throughputMiBPerSecond: result.throughput.average / 1048576,
        errors,
      });
    }
    const sameSegment = await sameBytes();
    const table = [
      `Load (${DURATION_SECONDS} s per scenario, autocannon, auth on, ${new Date().toISOString().slice(0, 10)})`,
      '',
      '| scenario | requests/s | p50 | p99 | throughput | errors |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      ...sameSegment.lines,
      '',
    ].join('\n');
    const results: LoadResults = { at: new Date().toISOString(), machine: describeMachine(), scenarios: scenarioResults, sameSegment: sameSegment.results };
    const resultsDir = join(ROOT, 'bench', 'results');
    await mkdir(resultsDir, { recursive: true });
    await writeFile(join(resultsDir, 'load.md'), table);
    await writeFile(join(resultsDir, 'load.json'), JSON.stringify(results, null, 2));
    process.stdout.write(`\n${table}\n`);
    const charts = await writeBenchCharts({ resultsDir, outputDir: join(ROOT, 'docs', 'bench') });
    log(`charts: ${charts.map((path) => relative(ROOT, path)).join(', ')}`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(scratch, { recursive: true, force: true });
  }
}

const SAME_BYTES_CONNECTIONS = 40;

/** What other connections do to the service while the segment is served (the brake rows). */
interface Hammer {
  name: string;
  route: 'control' | 'lookups';
  users: number;
}

const HAMMERS: Hammer[] = [
  { name: 'a route that answers 404 (control)', route: 'control', users: 1 },
  { name: 'distinct week-long recordings lookups, one user', route: 'lookups', users: 1 },
  { name: `distinct week-long recordings lookups, ${LOOKUP_USERS} users`, route: 'lookups', users: LOOKUP_USERS },
];

/**
 * One ready segment served three ways, one after the other in this run, with the same load:
 * by the service (auth on: the segment's stream token is checked, and the session's camera),
 * by a bare Node server that streams the file with createReadStream, and by nginx; and by the
 * service again under each of HAMMERS. Returns the function that runs them and gives the tables
 * and the rows (for load.json and its chart).
 */
async function sameSegmentScenarios(
  base: string,
  scratch: string,
  segmentPath: string,
  week: WeekOfRecordings,
  settle: () => Promise<number>,
): Promise<() => Promise<{ lines: string[]; results: LoadResults['sameSegment'] }>> {
  // The file the service serves for that segment, copied out so the baselines read the same bytes.
  const bytes = Buffer.from(await (await fetch(`${base}${segmentPath}`)).arrayBuffer());
  const dir = join(scratch, 'same-bytes');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'segment.ts'), bytes);
  const warmed = await warmRecordingsIndex(base, week);
  return async () => {
    const results: { name: string; result: WrkResult; baseline?: ServingResult['baseline'] }[] = [];
    results.push({ name: 'this service (auth on)', result: await hammer(base, segmentPath), baseline: 'service' });
    // The same while LOOKUP_CONNECTIONS more connections hammer a route: the same client (wrk,
    // one thread, the same script) whether the route is cheap or the lookups, so the ratio of the
    // two is what the lookups cost the server.
    const hammered: { hammer: Hammer; serving: WrkResult; hammering: WrkResult; busyAfter: number }[] = [];
    await settle();
    for (const [index, hammerSpec] of HAMMERS.entries()) {
      const script = join(scratch, `hammer-${index}.lua`);
      const tokens = Array.from({ length: hammerSpec.users }, (_, user) => userToken(`hammer-${index}-${user}`));
      await writeFile(script, hammerScript(hammerSpec.route, tokens, week.weekStart));
      const [serving, hammering] = await Promise.all([hammer(base, segmentPath), hammer(base, '/', { connections: LOOKUP_CONNECTIONS, script })]);
      // Lookups a hammer leaves running (its client is gone, the scan goes on) must not load the next row.
      const busyAfter = await settle();
      hammered.push({ hammer: hammerSpec, serving, hammering, busyAfter });
      results.push({ name: `this service, while ${LOOKUP_CONNECTIONS} connections hammer ${hammerSpec.name}`, result: serving });
      log(`${hammerSpec.name}: ${Math.round(hammering.requestsPerSecond)}/s, statuses ${JSON.stringify(hammering.statuses)}`);
    }
    const node = await startBareNodeServer(dir);
    try {
      results.push({ name: 'bare Node createReadStream server', result: await hammer(node.base, '/segment.ts'), baseline: 'bare-node' });
    } finally {
      node.process.kill();
    }
    const nginx = await startNginx(dir, scratch);
    if (nginx) {
      try {
        results.push({ name: 'nginx', result: await hammer(nginx.base, '/segment.ts'), baseline: 'nginx' });
      } finally {
        nginx.process.kill('SIGQUIT');
      }
    }
    const nodeRate = results.find(({ name }) => name.startsWith('bare Node'))!.result.requestsPerSecond;
    const controlRate = hammered[0].serving.requestsPerSecond;
    const ofControl = (result: WrkResult) =>
      hammered.some(({ serving }) => serving === result) ? `${((result.requestsPerSecond / controlRate) * 100).toFixed(0)}%` : '—';
    const lines = [
      `Same segment (${Math.round(bytes.length / 1024)} KiB), wrk with ${SAME_BYTES_CONNECTIONS} connections on one thread, ${DURATION_SECONDS} s each, one after the other in this run`,
      '',
      '| server | requests/s | p50 | p99 | of bare Node | of control | errors |',
      '|---|---|---|---|---|---|---|',
      ...results.map(
        ({ name, result }) =>
          `| ${name} | ${Math.round(result.requestsPerSecond)} | ${result.p50} | ${result.p99} | ${((result.requestsPerSecond / nodeRate) * 100).toFixed(0)}% | ${ofControl(result)} | ${result.errors} |`,
      ),
    ];
    if (!nginx) lines.push('', 'nginx: not installed (NEEDS_LOAD_TOOLS=1 bash scripts/setup.sh installs it)');
    lines.push('', 'Target: this service at least 90% of the bare Node server.');
    lines.push(
      '',
      `The hammers: ${LOOKUP_CONNECTIONS} connections, wrk on one thread with a Lua script; each request a week-long window that starts one second later than the last (no answer is shared), ${LOOKUP_CAMERAS.join(', ')} in turn, the users in turn; the control asks the same URLs of a route that does not exist; each row starts once the service is idle again (a scan goes on after its client has gone). A week of ${week.filesPerCamera} recordings per camera (${week.made === 'as is' ? 'RECORDINGS_DIR' : `${week.made} to the demo's`}); the header index was warmed first by one full-week lookup per camera (cold: ${warmed.map((seconds) => `${seconds.toFixed(1)} s`).join(', ')}). Each user may make ${RECORDINGS_LOOKUP_LIMIT} lookups a minute, then is answered 429 at once.`,
      '',
      '| hammer | its answers/s | 200 | 429 | 404 | other | service busy after the row |',
      '|---|---|---|---|---|---|---|',
      ...hammered.map(({ hammer: spec, hammering, busyAfter }) => {
        const { 200: ok = 0, 429: limited = 0, 404: missing = 0, ...other } = hammering.statuses;
        const others = Object.values(other).reduce((sum, count) => sum + count, 0) + hammering.socketErrors;
        return `| ${spec.name} | ${Math.round(hammering.requestsPerSecond)} | ${ok} | ${limited} | ${missing} | ${others} | ${busyAfter.toFixed(0)} s |`;
      }),
    );
    for (const line of lines) log(line);
    const servers = results.map(({ name, result, baseline }) => ({
      name,
      baseline,
      requestsPerSecond: result.requestsPerSecond,
      p50: result.p50,
      p99: result.p99,
      errors: result.errors,
    }));
    return { lines, results: { bytes: bytes.length, connections: SAME_BYTES_CONNECTIONS, durationSeconds: DURATION_SECONDS, servers } };
  };
}

function userToken(sub: string): string {
  return sign({ sub, role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' });
}

/** One full-week lookup per camera, so that the rows measure a warm index (the cold one is slower); the seconds each took. */
async function warmRecordingsIndex(base: string, week: WeekOfRecordings): Promise<number[]> {
  const token = userToken('warm-up');
  const seconds: number[] = [];
  for (const camera of LOOKUP_CAMERAS) {
    const started = Date.now();
    const response = await fetch(`${base}/cameras/${camera}/recordings?after=${week.weekStart}&before=${week.weekStart + WEEK_SECONDS}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { spans?: unknown[] };
    if (!response.ok) throw new Error(`warm-up lookup of ${camera}: ${response.status} ${JSON.stringify(body)}`);
    seconds.push((Date.now() - started) / 1000);
  }
  log(`recordings index warmed: ${seconds.map((s) => `${s.toFixed(1)} s`).join(', ')}`);
  return seconds;
}

/**
 * The wrk script of a hammer: each request a distinct week-long window (one second later each
 * time), the cameras and the users' tokens in turn, on the recordings route or, for the
 * control, on a route that does not exist; counts the answers by status (printed when done).
 */
function hammerScript(route: Hammer['route'], tokens: string[], weekStart: number): string {
  const path = route === 'lookups' ? '/cameras/%s/recordings?after=%d&before=%d' : '/no-such-route/%s?after=%d&before=%d';
  return `
local cameras = { ${LOOKUP_CAMERAS.map((camera) => JSON.stringify(camera)).join(', ')} }
local tokens = { ${tokens.map((token) => JSON.stringify(token)).join(', ')} }
local n = 0
local threads = {}
statuses = {}
function setup(thread) table.insert(threads, thread) end
function request()
  n = n + 1
  local after = ${weekStart} + n
  local path = string.format("${path}", cameras[n % #cameras + 1], after, after + ${WEEK_SECONDS})
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[n % #tokens + 1] })
end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do io.write(string.format("status %d %d\\n", status, count)) end
  end
end
`;
}

interface WrkResult {
  requestsPerSecond: number;
  p50: string;
  p99: string;
  /** Socket errors and non-2xx answers. */
  errors: number;
  socketErrors: number;
  /** Answers by status (with a script that counts them). */
  statuses: Record<string, number>;
}

/** wrk on one URL (one thread, so that the server under test keeps a core of the two), or with a script that makes the requests. */
async function hammer(base: string, path: string, options: { connections?: number; script?: string } = {}): Promise<WrkResult> {
  const output = await new Promise<string>((resolvePromise, reject) => {
    // A script's requests may take long (a lookup under load): counted when answered, not as timeouts.
    const script = options.script ? ['-s', options.script, '--timeout', '120s'] : [];
    const child = spawn('wrk', [
      '-t1',
      `-c${options.connections ?? SAME_BYTES_CONNECTIONS}`,
      `-d${DURATION_SECONDS}s`,
      '--latency',
      ...script,
      `${base}${path}`,
    ]);
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  const socketErrors =
    /Socket errors: (.*)/
      .exec(output)?.[1]
      ?.match(/\d+/g)
      ?.reduce((a, b) => a + Number(b), 0) ?? 0;
  const statuses: Record<string, number> = {};
  for (const [, status, count] of output.matchAll(/^status (\d+) (\d+)$/gm)) statuses[status] = Number(count);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50: /\s50%\s+(\S+)/.exec(output)?.[1] ?? '—',
    p99: /\s99%\s+(\S+)/.exec(output)?.[1] ?? '—',
    errors: number(/Non-2xx or 3xx responses:\s+(\d+)/) + socketErrors,
    socketErrors,
    statuses,
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

/** The start of the first recording of CAMERAS[0] in `dir` (the demo's are made first when there are none). */
async function firstRecording(dir: string): Promise<number> {
  const dates = (await readdir(dir).catch(() => [] as string[])).sort();
  if (dates.length === 0) {
    log('no demo recordings: making them (about a minute)');
    execFileSync('npm', ['run', '-s', 'demo:recordings'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, RECORDINGS_DIR: dir } });
    return firstRecording(dir);
  }
  for (const date of dates) {
    for (const hour of (await readdir(join(dir, date))).sort()) {
      const files = (await readdir(join(dir, date, hour, CAMERAS[0])).catch(() => [] as string[])).sort();
      if (files.length) {
        const [mm, ss] = files[0].replace('.mp4', '').split('.');
        return Date.parse(`${date}T${hour}:${mm}:${ss}Z`) / 1000;
      }
    }
  }
  throw new Error(`no recordings of ${CAMERAS[0]} in ${dir}`);
}

/** Waits until the process uses under a tenth of a core over a second; the seconds it took. */
async function waitUntilIdle(pid: number, timeoutSeconds = 180): Promise<number> {
  const started = Date.now();
  for (;;) {
    const before = cpuSeconds(pid) ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = (cpuSeconds(pid) ?? 0) - before;
    const waited = (Date.now() - started) / 1000;
    if (used < 0.1 || waited > timeoutSeconds) return waited;
  }
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
