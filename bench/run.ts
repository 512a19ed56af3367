/**
 * `npm run bench`: this service against the reference method, side by side in one run, on the
 * full-size demo recordings (1080p15 H.265). Prints a table (ours, reference, ratio) and writes
 * bench/results/latest.md and latest.json. See bench/README.md for the method.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { FfmpegCommandBuilder, buildConcatList } from '../libs/ffmpeg/src';
import { FilesystemRecordingSource } from '../libs/recordings/src/filesystem-recording.source';
import { RecordingHeaderIndex } from '../libs/recordings/src/recording-header.index';
import { planTimeline } from '../libs/recordings/src/recording-timeline';
import { planEncoderInput } from '../libs/transcode/src/plan/encoder-input';
import { planSegments } from '../libs/transcode/src/plan/segment-plan';
import { chooseOutputFormat } from '../libs/transcode/src/plan/output-format';
import { runInput, runTranscodeOptions } from '../libs/transcode/src/plan/encoder-input';
import { transcodeSessionId } from '../libs/transcode/src/model/session-id';
import { buildInputList } from '../libs/ffmpeg/src';
import { encodeClip, layoutRecordings } from '../scripts/lib/synthetic-recordings';
import { CameraStream, recordCameraStream } from '../scripts/lib/camera-stream-recording';
import { recordingRelativePath } from '../libs/recordings/src/frigate-recordings-layout';
import { freePort } from '../test/support/net';
import { launchChromium } from '../test/support/browser';
import { startRedisServer } from '../test/support/redis-server';
import { startFakeFrigate } from '../test/support/fake-frigate';
import { fixtureFiles } from '../test/support/frigate-vod-server';
import { segmentUri } from '../libs/transcode/src/hls/hls-names';
import { sample, scrapeMetrics } from '../test/support/prometheus';
import { childPids, cpuSeconds, cpuSecondsWithChildren } from './lib/proc';
import { startReference, stopReference, waitReferenceReady } from './lib/reference';
import { writeBenchCharts } from './lib/chart-files';

const ROOT = resolve(__dirname, '..');
const RECORDINGS_DIR = resolve(process.env.RECORDINGS_DIR ?? join(ROOT, 'data', 'recordings'));
const CAMERA = 'front_door';
const SPARSE_CAMERA = 'front_door_sparse';
/** A camera as they really record: 25 fps, 4 s GOP (12 s and 8 s files), AAC 8 kHz mono. */
const REAL_CAMERA = 'front_door_real';
/** An H.264 camera (1080p15, 2 s GOP, AAC 48 kHz), which browsers play as it is: remuxed, not encoded. */
const H264_CAMERA = 'front_door_h264';
const RANGE_SECONDS = 1800;
const SEGMENT_SECONDS = 2;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const QUICK = process.env.BENCH_QUICK === '1';

type Row = { measure: string; ours: string; reference: string; ratio: string; target: string; note?: string };
const rows: Row[] = [];
const raw: Record<string, unknown> = {};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (seconds: number) => `${seconds.toFixed(2)} s`;
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);

/** Every measure, by the name BENCH_ONLY selects it with. */
const MEASURES = ['ttfs', 'cpu', 'seek', 'browser-seek', 'viewers', 'throughput', 'proxy', 'frontdoor', 'history-cpu', 'speed', 'remux', 'export'];

async function main(): Promise<void> {
  // BENCH_ONLY=ttfs,cpu,… (names in MEASURES) runs a subset.
  const only = new Set(process.env.BENCH_ONLY?.split(',') ?? MEASURES);
  const unknown = [...only].filter((name) => !MEASURES.includes(name));
  if (unknown.length) throw new Error(`BENCH_ONLY names no measure ${unknown.join(', ')}: choose among ${MEASURES.join(', ')}`);
  const span = await prepareRecordings(only);
  log(`recordings ${RECORDINGS_DIR}: ${CAMERA} ${span.start}..${span.end}`);
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore' });

  if (only.has('ttfs')) await timeToFirstSegment(span.start);
  if (only.has('cpu')) await abandonedViewCpu(span.start);
  if (only.has('seek')) await seek(span.start);
  if (only.has('browser-seek')) await browserSeek(span.start);
  if (only.has('viewers')) await concurrentViewers(span.start);
  if (only.has('throughput')) await throughput(span.start);
  if (only.has('proxy')) await proxiedSegment(span.start);
  if (only.has('frontdoor')) await frontDoorFirstFrame(span.start);
  if (only.has('history-cpu')) await historyViewCpu(span);
  if (only.has('speed')) await speedCpu(span.start);
  if (only.has('remux')) await remuxCpu(span.start);
  if (only.has('export')) await exportTenMinutes(span.start);
  await report();
}

/**
 * The demo recordings (made if missing), and the bench's other cameras that the selected
 * measures use (each made once): a copy whose only keyframe is at each file's start, a real
 * camera, an H.264 camera.
 */
async function prepareRecordings(only: Set<string>): Promise<{ start: number; end: number }> {
  const uses = (...measures: string[]) => measures.some((measure) => only.has(measure));
  if (!existsSync(join(RECORDINGS_DIR))) {
    execFileSync('npm', ['run', '-s', 'demo:recordings'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, RECORDINGS_DIR } });
  }
  const starts = await cameraStarts(CAMERA);
  if (starts.length === 0) throw new Error(`no recordings of ${CAMERA} in ${RECORDINGS_DIR}: run npm run demo:recordings`);
  const span = { start: starts[0], end: starts.at(-1)! + 10 };
  if (uses('seek', 'speed') && (await cameraStarts(SPARSE_CAMERA)).length === 0) {
    log('making recordings with one keyframe per 10 s file (once)');
    const clipsDir = join(RECORDINGS_DIR, '..', 'bench-clips');
    const clips: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const path = join(clipsDir, `sparse-${i}.mp4`);
      await encodeClip({
        path,
        width: 1920,
        height: 1080,
        fps: '15',
        seconds: 10,
        codec: 'hevc',
        toneHz: 440,
        gopFrames: 150,
        label: SPARSE_CAMERA,
        clockStartSecond: i * 10,
      });
      clips.push(path);
    }
    await layoutRecordings({ recordingsDir: RECORDINGS_DIR, camera: SPARSE_CAMERA, clips, start: span.start, slotSeconds: 10, slots: starts.length });
  }
  if (uses('ttfs', 'seek') && (await cameraStarts(REAL_CAMERA)).length === 0) {
    // 1080p25 with a 4 s GOP and B-frames, 8 kHz audio: files of 12 and 8 s.
    log('making a real-camera recording (25 fps, 4 s GOP, AAC 8 kHz) once');
    const stream = { fps: '25', gopFrames: 100, seconds: 40, width: 1920, height: 1080, bFrames: 3, audio: { sampleRate: 8000, channels: 1 } };
    await recordCameraOverSpan(REAL_CAMERA, stream, span);
  }
  if (uses('remux') && (await cameraStarts(H264_CAMERA)).length === 0) {
    log('making an H.264 camera recording (1080p15, 2 s GOP, AAC 48 kHz) once');
    const stream: CameraStream = { fps: '15', gopFrames: 30, seconds: 60, width: 1920, height: 1080, codec: 'h264', audio: { sampleRate: 48000, channels: 1 } };
    await recordCameraOverSpan(H264_CAMERA, stream, span);
  }
  return span;
}

/**
 * A camera recorded as Frigate cuts it (files named after their whole-second start), once, then
 * linked over and over to cover the span.
 */
async function recordCameraOverSpan(camera: string, stream: CameraStream, span: { start: number; end: number }): Promise<void> {
  const files = await recordCameraStream(stream, join(RECORDINGS_DIR, '..', 'bench-clips', camera));
  for (let cycle = span.start; cycle < span.end; cycle += stream.seconds) {
    for (const file of files) {
      const target = join(RECORDINGS_DIR, recordingRelativePath(camera, cycle + Math.floor(file.start + 1e-6)));
      await mkdir(dirname(target), { recursive: true });
      await link(file.path, target).catch(() => copyFile(file.path, target));
    }
  }
}

async function cameraStarts(camera: string): Promise<number[]> {
  const starts: number[] = [];
  for (const date of await readdir(RECORDINGS_DIR).catch(() => [] as string[])) {
    for (const hour of await readdir(join(RECORDINGS_DIR, date)).catch(() => [] as string[])) {
      for (const file of await readdir(join(RECORDINGS_DIR, date, hour, camera)).catch(() => [] as string[])) {
        const [mm, ss] = file.replace('.mp4', '').split('.');
        starts.push(Date.parse(`${date}T${hour}:${mm}:${ss}Z`) / 1000);
      }
    }
  }
  return starts.sort((a, b) => a - b);
}

// ---------------------------------------------------------------- the service under test

interface Service {
  child: ChildProcess;
  base: string;
  dir: string;
  stop(): Promise<void>;
}

async function startService(env: Record<string, string> = {}, givenPort?: number): Promise<Service> {
  const dir = await mkdtemp(join(tmpdir(), 'nvr-bench-'));
  const port = givenPort ?? (await freePort());
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/transcode-server/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      RECORDINGS_DIR,
      TRANSCODE_DIR: join(dir, 'transcode'),
      DATA_DIR: join(dir, 'data'),
      AUTH_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    if ((await fetch(`${base}/health`).catch(() => null))?.ok) break;
    await sleep(100);
  }
  return {
    child,
    base,
    dir,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function create(service: Service, camera: string, start: number, seconds: number, speed = 1) {
  const response = await fetch(`${service.base}/transcode/${camera}/start/${start}/end/${start + seconds}${speed === 1 ? '' : `?speed=${speed}`}`);
  const body = (await response.json()) as { sessionId: string; playlist: string; durationSeconds: number; message?: string };
  if (response.status !== 200) throw new Error(`create answered ${response.status}: ${body.message}`);
  return body;
}

async function fetchSegment(service: Service, sessionId: string, index: number): Promise<number> {
  const response = await fetch(`${service.base}/stream/transcode/${sessionId}/seg_${String(index).padStart(5, '0')}.ts`);
  const bytes = (await response.arrayBuffer()).byteLength;
  if (response.status !== 200) throw new Error(`segment ${index} answered ${response.status}`);
  return bytes;
}

async function remove(service: Service, sessionId: string): Promise<void> {
  await fetch(`${service.base}/transcode/${sessionId}`, { method: 'DELETE' });
}

/**
 * ffmpeg alone making segment `index` of the range: the service's own plan and command for a
 * run from that segment, spawned directly, timed to the segment list's first line (the finished
 * segment), in seconds.
 */
async function ffmpegFloor(camera: string, start: number, seconds: number, index: number, dir: string): Promise<number> {
  const options = { recordingsDir: RECORDINGS_DIR, ffprobePath: 'ffprobe' };
  const source = new FilesystemRecordingSource(options, new RecordingHeaderIndex(options, {} as never));
  const timeline = planTimeline(await source.withMedia(await source.findRecordings(camera, start, start + seconds)), start, start + seconds);
  const plan = { timeline, segments: planSegments(timeline, SEGMENT_SECONDS), outputFormat: (height: number) => chooseOutputFormat(timeline.pieces, height) };
  const input = runInput(plan, index);
  const list = buildInputList(input.entries, input.inputOffsetSeconds);
  await mkdir(dir, { recursive: true });
  const listPath = join(dir, 'run.ffconcat');
  await writeFile(listPath, list.text);
  const args = new FfmpegCommandBuilder().buildHlsTranscode(
    runTranscodeOptions(plan, index, input, list, listPath, { outputDir: dir, segmentFilePrefix: 'floor_', outputMaxHeight: 720, preset: 'ultrafast' }),
  );
  const t0 = performance.now();
  const child = spawn('ffmpeg', args, { cwd: dir, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const elapsed = await new Promise<number>((resolvePromise, reject) => {
    child.stdio[3]!.once('data', () => resolvePromise((performance.now() - t0) / 1000));
    child.once('exit', (code) => reject(new Error(`the floor's ffmpeg exited (${code}) before its first segment`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return elapsed;
}

/** The files of [start, start+seconds) as the reference would read them, in an ffconcat list. */
async function concatListFor(camera: string, start: number, seconds: number, dir: string): Promise<string> {
  const options = { recordingsDir: RECORDINGS_DIR, ffprobePath: 'ffprobe' };
  const source = new FilesystemRecordingSource(options, new RecordingHeaderIndex(options, {} as never));
  const timeline = planTimeline(await source.findRecordings(camera, start, start + seconds), start, start + seconds);
  const path = join(dir, `${camera}-${start}.ffconcat`);
  await writeFile(path, buildConcatList(planEncoderInput(timeline, 0).entries));
  return path;
}

// ---------------------------------------------------------------- 1. time to first segment

async function timeToFirstSegment(spanStart: number): Promise<void> {
  log('time to first segment');
  const service = await startService();
  const ours: number[] = [];
  const reference: number[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-bench-ref-'));
  try {
    for (let run = 0; run < RUNS; run += 1) {
      const start = spanStart + 60 * run;
      const t0 = performance.now();
      const session = await create(service, CAMERA, start, RANGE_SECONDS);
      await fetchSegment(service, session.sessionId, 0);
      ours.push((performance.now() - t0) / 1000);
      await remove(service, session.sessionId);

      const list = await concatListFor(CAMERA, start, RANGE_SECONDS, scratch);
      const ref = await startReference(list, join(scratch, `ttfs-${run}`));
      await waitReferenceReady(ref);
      const first = (await readdir(ref.outputDir)).filter((f) => f.startsWith('segment-')).sort()[0];
      await import('node:fs/promises').then((fs) => fs.readFile(join(ref.outputDir, first)));
      reference.push((performance.now() - ref.startedAt) / 1000);
      stopReference(ref);
      await sleep(300);
    }
  } finally {
    await service.stop();
    await rm(scratch, { recursive: true, force: true });
  }
  const real: number[] = [];
  const realService = await startService();
  try {
    for (let run = 0; run < RUNS; run += 1) {
      // Starts 1.37 s into a file, between frames, as a viewer's pick does.
      const t0 = performance.now();
      const session = await create(realService, REAL_CAMERA, spanStart + 60 * run + 1.37, RANGE_SECONDS);
      await fetchSegment(realService, session.sessionId, 0);
      real.push((performance.now() - t0) / 1000);
      await remove(realService, session.sessionId);
    }
  } finally {
    await realService.stop();
  }
  raw.timeToFirstSegment = { ours, reference, real };
  const [o, r] = [median(ours), median(reference)];
  rows.push({ measure: `time to first segment (median of ${RUNS})`, ours: fmt(o), reference: fmt(r), ratio: `${(o / r).toFixed(2)}×`, target: '≤ 0.5 s' });
  rows.push({
    measure: 'time to first segment, real camera (25 fps, 4 s GOP, 8 kHz audio)',
    ours: fmt(median(real)),
    reference: '—',
    ratio: '—',
    target: '≤ 0.5 s',
  });
}

// ---------------------------------------------------------------- 2. seek

async function seek(spanStart: number): Promise<void> {
  log('seek to 90% of a cold session, and ffmpeg alone making that segment');
  const service = await startService();
  const results: Record<string, number[]> = {};
  const floors: Record<string, number[]> = {};
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-bench-floor-'));
  try {
    for (const camera of [CAMERA, SPARSE_CAMERA, REAL_CAMERA]) {
      results[camera] = [];
      floors[camera] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const start = spanStart + 30 + 60 * run;
        const session = await create(service, camera, start, RANGE_SECONDS);
        const index = Math.floor((RANGE_SECONDS * 0.9) / SEGMENT_SECONDS);
        const t0 = performance.now();
        await fetchSegment(service, session.sessionId, index);
        results[camera].push((performance.now() - t0) / 1000);
        await remove(service, session.sessionId);
        await sleep(200);
        // The floor, right after, on the same input: the very command the service runs for
        // that segment, timed from spawn to ffmpeg announcing the finished segment.
        floors[camera].push(await ffmpegFloor(camera, start, RANGE_SECONDS, index, join(scratch, `${camera}-${run}`)));
      }
    }
  } finally {
    await service.stop();
    await rm(scratch, { recursive: true, force: true });
  }
  raw.seek = results;
  raw.seekFloor = floors;
  for (const [camera, label] of [
    [CAMERA, 'demo GOP'],
    [SPARSE_CAMERA, 'one keyframe per file'],
    [REAL_CAMERA, 'real camera'],
  ]) {
    const [ours, floor] = [median(results[camera]), median(floors[camera])];
    rows.push({
      measure: `cold seek against the ffmpeg floor, ${label}`,
      ours: fmt(ours),
      reference: `${fmt(floor)} (ffmpeg alone)`,
      ratio: `${ours >= floor ? '+' : '−'}${Math.abs((ours - floor) * 1000).toFixed(0)} ms`,
      target: '≤ +0.2 s',
    });
  }
  const referenceNote = 'the reference cannot seek past what it has transcoded (see throughput: it reaches 90% of a 30 min range only after the time shown)';
  const refReach = raw.referenceSpeed ? fmt((0.9 * RANGE_SECONDS) / (raw.referenceSpeed as number)) : 'minutes';
  rows.push({
    measure: 'seek to 90%, demo GOP (keyframe every 2 s)',
    ours: fmt(median(results[CAMERA])),
    reference: refReach,
    ratio: '—',
    target: '≤ 0.7 s',
    note: referenceNote,
  });
  rows.push({
    measure: 'seek to 90%, one keyframe per 10 s file',
    ours: fmt(median(results[SPARSE_CAMERA])),
    reference: refReach,
    ratio: '—',
    target: '≤ 0.7 s',
  });
  rows.push({
    measure: 'seek to 90%, real camera (25 fps, 4 s GOP, 8 kHz audio)',
    ours: fmt(median(results[REAL_CAMERA])),
    reference: refReach,
    ratio: '—',
    target: '≤ 0.7 s',
  });
}

/**
 * In Chromium with hls.js (the player page's own copy): play a 10-minute range, seek to 80% and
 * time until playback goes on (currentTime 1 s past the target). hls.js aborts the fragment it
 * was loading and fetches around the target: the case the withdrawn request is for.
 */
async function browserSeek(spanStart: number): Promise<void> {
  log('seek to 80% in Chromium with hls.js');
  const service = await startService();
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      const session = await create(service, CAMERA, spanStart + 120 * run + 7, 600);
      const page = await browser.context.newPage();
      await page.goto(`${service.base}/health`);
      await page.setContent(`<video muted autoplay></video><script src="/vendor/hls.min.js"></script>`);
      await page.waitForFunction(() => typeof (window as any).Hls === 'function');
      await page.evaluate((url) => {
        const w = window as any;
        const hls = new w.Hls();
        hls.loadSource(url);
        hls.attachMedia(document.querySelector('video'));
      }, `${service.base}${session.playlist}`);
      await page.waitForFunction(() => document.querySelector('video')!.currentTime >= 4, undefined, { timeout: 60_000 });
      const target = await page.evaluate(() => document.querySelector('video')!.duration * 0.8);
      const t0 = performance.now();
      await page.evaluate((t) => (document.querySelector('video')!.currentTime = t), target);
      await page.waitForFunction((t) => document.querySelector('video')!.currentTime >= t + 1, target, { timeout: 60_000 });
      // Playback went on 1 s of video after the seek: take that second off.
      times.push((performance.now() - t0) / 1000 - 1);
      await page.close();
      await remove(service, session.sessionId);
    }
  } finally {
    await browser.close();
    await service.stop();
  }
  raw.browserSeek = times;
  rows.push({
    measure: `seek to 80% in Chromium with hls.js until playback goes on (median of ${RUNS})`,
    ours: fmt(median(times)),
    reference: '—',
    ratio: '—',
    target: '≈ 1.5 s (3.7 s before the engine v2)',
  });
}

// ---------------------------------------------------------------- 3. CPU of an abandoned view

async function abandonedViewCpu(spanStart: number): Promise<void> {
  log('CPU of a view watched for 20 s, then abandoned');
  const service = await startService();
  let ours = 0;
  try {
    const before = cpuSecondsWithChildren(service.child.pid!);
    const session = await create(service, CAMERA, spanStart + 100, RANGE_SECONDS);
    await playRealTime(service, session.sessionId, 20);
    // Abandoned: no more requests. Wait for the idle stop (IDLE_TIMEOUT_SECONDS, 30 s) to end it.
    for (let i = 0; i < 60 && (await ffmpegCount(service)) > 0; i += 1) await sleep(1000);
    ours = cpuSecondsWithChildren(service.child.pid!) - before;
  } finally {
    await service.stop();
  }

  // The reference keeps transcoding the whole range at full speed until done or its TTL (600 s).
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-bench-ref-'));
  const list = await concatListFor(CAMERA, spanStart + 100, RANGE_SECONDS, scratch);
  const ref = await startReference(list, join(scratch, 'cpu'));
  const sampleSeconds = QUICK ? 20 : 60;
  await sleep(sampleSeconds * 1000);
  const cpu = cpuSeconds(ref.process.pid!) ?? 0;
  const playlist = await readFile(join(ref.outputDir, 'master.m3u8'), 'utf8').catch(() => '');
  stopReference(ref);
  await rm(scratch, { recursive: true, force: true });
  // Encoded seconds per wall second: the video its finished segments hold (the one in progress
  // is not counted, so this errs on the reference's side).
  const encoded = [...playlist.matchAll(/^#EXTINF:([\d.]+),/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  const speed = Math.max(0.01, encoded / sampleSeconds);
  raw.referenceSpeed = speed;
  const wallUntilStop = Math.min(RANGE_SECONDS / speed, 600);
  const reference = (cpu / sampleSeconds) * wallUntilStop;
  raw.abandonedViewCpu = { ours, referenceSampleCpu: cpu, referenceSampleSeconds: sampleSeconds, referenceSpeed: speed, referenceExtrapolated: reference };
  rows.push({
    measure: 'CPU of a view watched 20 s, then abandoned',
    ours: `${ours.toFixed(1)} CPU-s`,
    reference: `${reference.toFixed(0)} CPU-s`,
    ratio: `${((ours / reference) * 100).toFixed(1)}%`,
    target: '≤ 10% of the reference',
    note: `reference: ${cpu.toFixed(1)} CPU-s in ${sampleSeconds} s at ${speed.toFixed(2)}× real time, extrapolated to ${wallUntilStop.toFixed(0)} s (the whole range or its 600 s TTL)`,
  });
}

async function ffmpegCount(service: Service): Promise<number> {
  const { sessions } = (await (await fetch(`${service.base}/transcode/sessions`)).json()) as { sessions: { encoder: string }[] };
  return sessions.filter((s) => s.encoder !== 'stopped').length;
}

/**
 * A player: buffers 3 segments, then plays in real time (the playlist's durations), fetching the
 * next segment as soon as there is room (at most 30 s buffered). Returns the number of stalls (a
 * segment that was not there when playback reached it).
 */
async function playRealTime(service: Service, sessionId: string, seconds: number): Promise<number> {
  const playlist = await (await fetch(`${service.base}/stream/transcode/${sessionId}/master.m3u8`)).text();
  // Keep at most 30 s buffered, as hls.js does by default.
  return playSegmentsRealTime(extinfSeconds(playlist), 0, seconds, 30, (index) => fetchSegment(service, sessionId, index));
}

/** The EXTINF durations of a media playlist, in seconds. */
function extinfSeconds(playlist: string): number[] {
  return [...playlist.matchAll(/^#EXTINF:([\d.]+),$/gm)].map((m) => Number(m[1]));
}

/**
 * A player from segment `from` on: buffers 3 segments, then plays in real time (the playlist's
 * durations) for `seconds`, fetching the next segment as soon as there is room (at most
 * `maxBufferSeconds` buffered). Returns the number of stalls (a segment that was not there
 * when playback reached it).
 */
async function playSegmentsRealTime(
  durationsSeconds: number[],
  from: number,
  seconds: number,
  maxBufferSeconds: number,
  fetchIndex: (index: number) => Promise<unknown>,
): Promise<number> {
  const durations = durationsSeconds.slice(from).map((duration) => duration * 1000);
  // startsAt[i]: where segment from+i begins on the playback clock.
  const startsAt = durations.map((_, i) => durations.slice(0, i).reduce((a, b) => a + b, 0));
  const lastIndex = startsAt.findIndex((start) => start >= seconds * 1000);
  const segments = lastIndex === -1 ? durations.length : lastIndex;
  let stalls = 0;
  let playStart = 0;
  let delay = 0;
  for (let index = 0; index < segments; index += 1) {
    if (playStart) {
      const roomAt = playStart + delay + startsAt[index] - maxBufferSeconds * 1000;
      if (performance.now() < roomAt) await sleep(roomAt - performance.now());
    }
    await fetchIndex(from + index);
    const now = performance.now();
    if (index === 2) playStart = now;
    if (playStart && index > 2) {
      const due = playStart + delay + startsAt[index];
      if (now > due) {
        stalls += 1;
        delay += now - due;
      }
    }
  }
  return stalls;
}

// ---------------------------------------------------------------- 4. concurrent viewers

async function concurrentViewers(spanStart: number): Promise<void> {
  log('concurrent real-time viewers (60 s each)');
  const tried: Record<number, number> = {};
  let best = 0;
  for (const k of QUICK ? [4, 8] : [4, 6, 7, 8, 10, 12]) {
    // The limits lifted: this measures the box, not the default setting.
    const service = await startService({ MAX_CONCURRENT_TRANSCODES: '64', MAX_FFMPEG_PROCESSES: '128', MAX_SESSIONS_PER_USER: '1000' });
    try {
      const sessions = await Promise.all(Array.from({ length: k }, (_, i) => create(service, CAMERA, spanStart + 200 + i * 240 + k, 600)));
      const stalls = await Promise.all(sessions.map((s) => playRealTime(service, s.sessionId, 60)));
      tried[k] = stalls.reduce((a, b) => a + b, 0);
    } catch (error) {
      log(`K=${k}: ${(error as Error).message}`);
      tried[k] = Number.POSITIVE_INFINITY;
    } finally {
      await service.stop();
    }
    log(`K=${k}: ${tried[k]} stalls`);
    if (tried[k] === 0) best = k;
    else break;
  }
  // The box's ceiling: raw ffmpeg, the same number of parallel runs, each 60 s of footage.
  const parallel = Math.max(best, 1) + 1;
  const ceiling = await rawAggregateRealTime(parallel, spanStart);
  raw.concurrentViewers = { tried, best, ceiling: { parallel, realTimeFactor: ceiling } };
  rows.push({
    measure: 'concurrent real-time viewers without a stall (60 s), limits lifted',
    ours: String(best),
    reference: '3 (its limit)',
    ratio: `${(best / 3).toFixed(1)}×`,
    target: '≥ 8',
    note: `stalls by K: ${JSON.stringify(tried)}`,
  });
  rows.push({
    measure: `the box's ceiling: raw ffmpeg, ${parallel} runs in parallel, aggregate real-time factor`,
    ours: String(best),
    reference: `${ceiling.toFixed(2)}× (${Math.floor(ceiling)} real-time viewers)`,
    ratio: `${Math.floor(ceiling) ? ((best / Math.floor(ceiling)) * 100).toFixed(0) : '—'}%`,
    target: '≥ 90% of the ceiling',
  });
}

/** `k` raw ffmpeg runs of 60 s of footage each, in parallel: footage seconds made per wall second. */
async function rawAggregateRealTime(k: number, spanStart: number): Promise<number> {
  const seconds = 60;
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-bench-ceiling-'));
  try {
    const runs = await Promise.all(
      Array.from({ length: k }, async (_, i) => {
        const list = await concatListFor(CAMERA, spanStart + 200 + i * 240, seconds, scratch);
        const out = join(scratch, `out-${i}`);
        await mkdir(out);
        return new FfmpegCommandBuilder().buildHlsTranscode({
          input: { format: 'concat', path: list, protocols: ['file'] },
          seekSeconds: 0,
          durationSeconds: seconds,
          outputDir: out,
          keyframeTimes: Array.from({ length: seconds / SEGMENT_SECONDS - 1 }, (_, j) => (j + 1) * SEGMENT_SECONDS),
          maxHeight: 720,
          preset: 'ultrafast',
          segmentListFd: 1,
          progressFd: 2,
        });
      }),
    );
    const t0 = performance.now();
    await Promise.all(
      runs.map((args) => new Promise((resolvePromise) => spawn('nice', ['-n', '10', 'ffmpeg', ...args], { stdio: 'ignore' }).once('exit', resolvePromise))),
    );
    return (k * seconds) / ((performance.now() - t0) / 1000);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- 5. throughput

async function throughput(spanStart: number): Promise<void> {
  log('throughput against raw ffmpeg');
  const seconds = 120;
  const segments = seconds / SEGMENT_SECONDS;
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-bench-raw-'));
  // Raw ffmpeg: the service's own argv for the same range, run to the end, nobody waiting on it.
  const list = await concatListFor(CAMERA, spanStart + 1000, seconds, scratch);
  const out = join(scratch, 'out');
  await mkdir(out);
  const args = new FfmpegCommandBuilder().buildHlsTranscode({
    input: { format: 'concat', path: list, protocols: ['file'] },
    seekSeconds: 0,
    durationSeconds: seconds,
    outputDir: out,
    keyframeTimes: Array.from({ length: segments - 1 }, (_, i) => (i + 1) * SEGMENT_SECONDS),
    maxHeight: 720,
    preset: 'ultrafast',
    segmentListFd: 1,
    progressFd: 2,
  });
  const t0 = performance.now();
  execFileSync('nice', ['-n', '10', 'ffmpeg', ...args], { stdio: 'ignore' });
  const rawSeconds = (performance.now() - t0) / 1000;
  await rm(scratch, { recursive: true, force: true });

  const service = await startService({ LOOKAHEAD_SECONDS: '100000' });
  let oursSeconds = 0;
  try {
    const t1 = performance.now();
    const session = await create(service, CAMERA, spanStart + 1000, seconds);
    for (let index = 0; index < segments; index += 1) await fetchSegment(service, session.sessionId, index);
    oursSeconds = (performance.now() - t1) / 1000;
  } finally {
    await service.stop();
  }
  raw.throughput = { rawSeconds, oursSeconds, videoSeconds: seconds };
  rows.push({
    measure: `throughput (${seconds} s of 1080p → 720p)`,
    ours: `${(seconds / oursSeconds).toFixed(2)}× real time`,
    reference: `raw ffmpeg ${(seconds / rawSeconds).toFixed(2)}×`,
    ratio: `${((rawSeconds / oursSeconds) * 100).toFixed(1)}%`,
    target: '≥ 95% of raw ffmpeg',
  });
}

// ---------------------------------------------------------------- report

/**
 * Cluster: what proxying adds to a segment. Two nodes on a local Redis; a session runs on node A
 * with its segments finished; each segment is fetched from A (local) and through B (proxied),
 * alternating which goes first, and the medians are compared.
 */
async function proxiedSegment(spanStart: number): Promise<void> {
  if (!commandExists('redis-server')) {
    rows.push({ measure: 'proxied segment (cluster)', ours: 'skipped', reference: '—', ratio: '—', target: '—', note: 'redis-server is not installed' });
    return;
  }
  const redis = await startRedisServer();
  const node = async (id: string) => {
    const port = await freePort();
    return startService(
      {
        REDIS_URL: redis.url,
        NODE_ID: id,
        NODE_URL: `http://127.0.0.1:${await freePort()}`,
        CLUSTER_SECRET: 'bench-cluster-secret-of-32-characters',
        LOG_LEVEL: 'warn',
      },
      port,
    );
  };
  const [a, b] = [await node('bench-a'), await node('bench-b')];
  try {
    const { sessionId } = await create(a, CAMERA, spanStart, 600);
    const count = QUICK ? 10 : 30;
    for (let index = 0; index < count; index += 1) await fetchSegment(a, sessionId, index);
    const local: number[] = [];
    const proxied: number[] = [];
    const timed = async (service: Service, index: number) => {
      const started = performance.now();
      await fetchSegment(service, sessionId, index);
      return performance.now() - started;
    };
    for (let round = 0; round < (QUICK ? 3 : 10); round += 1) {
      for (let index = 0; index < count; index += 1) {
        if ((round + index) % 2 === 0) {
          local.push(await timed(a, index));
          proxied.push(await timed(b, index));
        } else {
          proxied.push(await timed(b, index));
          local.push(await timed(a, index));
        }
      }
    }
    const [l, p] = [median(local), median(proxied)];
    raw.proxy = { local, proxied };
    log(`segment: local ${l.toFixed(1)} ms, proxied ${p.toFixed(1)} ms (medians of ${local.length})`);
    rows.push({
      measure: `ready 720p segment, local vs proxied by another node (median of ${local.length})`,
      ours: `${p.toFixed(1)} ms proxied`,
      reference: `${l.toFixed(1)} ms local`,
      ratio: `+${(p - l).toFixed(1)} ms (${(p / l).toFixed(2)}×)`,
      target: '—',
    });
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
}

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function report(): Promise<void> {
  const header = '| measure | ours | reference | ratio | target |\n|---|---|---|---|---|';
  const table = [header, ...rows.map((r) => `| ${r.measure} | ${r.ours} | ${r.reference} | ${r.ratio} | ${r.target} |`)].join('\n');
  const notes = rows
    .filter((r) => r.note)
    .map((r) => `- ${r.measure}: ${r.note}`)
    .join('\n');
  const machine = `${execFileSync('nproc').toString().trim()} cores, ${execFileSync('ffmpeg', ['-version']).toString().split('\n')[0]}, node ${process.version}`;
  const md = `# Benchmark results\n\n${new Date().toISOString()} · ${machine}\n\nInput: demo recordings, 1080p15 H.265, ${RANGE_SECONDS / 60} min ranges.\n\n${table}\n\n${notes}\n`;
  process.stdout.write(`\n${table}\n\n${notes}\n`);
  const dir = join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'latest.md'), md);
  const settings = { rangeSeconds: RANGE_SECONDS, footageSeconds: FOOTAGE_SECONDS };
  await writeFile(join(dir, 'latest.json'), JSON.stringify({ at: new Date().toISOString(), machine, settings, rows, raw }, null, 2));
  const charts = await writeBenchCharts({ resultsDir: dir, outputDir: join(ROOT, 'docs', 'bench') });
  log(`charts: ${charts.map((path) => relative(ROOT, path)).join(', ')}`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});

// ---------------------------------------------------------------- front door

/**
 * Frigate's History view through the front door: from its master.m3u8 request (one-hour chunk,
 * starting inside a file, a login cookie checked by Frigate) through the media playlist to the
 * first byte of the first segment. Beside it, Frigate's own /vod path for the same range, as
 * nginx-vod does it for an fMP4 passthrough: its mapping request (the stand-in reads the same
 * recordings' headers) and a stream-copy remux of the first clip's first 10 s into fMP4, the
 * segment nginx-vod makes before it sends it (nginx-vod remuxes in-process, without starting a
 * process, so this floor is, if anything, slow).
 */
async function frontDoorFirstFrame(spanStart: number): Promise<void> {
  log("front door: History's master.m3u8 to the whole first segment, and Frigate's own /vod");
  const frigate = await startFakeFrigate({
    cameras: [CAMERA],
    users: { bench: { username: 'bench', role: 'admin', allowedCameras: [CAMERA] } },
    recordingsDir: RECORDINGS_DIR,
  });
  const doorPort = await freePort();
  const service = await startService({ FRONT_DOOR_PORT: String(doorPort), FRIGATE_URL: frigate.origin, LOG_LEVEL: 'warn' });
  const door = `http://127.0.0.1:${doorPort}`;
  const headers = { cookie: 'frigate_token=bench' };
  const ours: number[] = [];
  const frigatePath: number[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      const after = spanStart + 120 * run + 3.37;
      const before = after + 3600 - 120 * RUNS;
      const base = `${door}/vod/${CAMERA}/start/${after}/end/${before}`;
      const t0 = performance.now();
      const master = await (await fetch(`${base}/master.m3u8`, { headers })).text();
      const mediaUri = master.split('\n').find((line) => line && !line.startsWith('#'))!;
      const media = await (await fetch(`${base}/${mediaUri}`, { headers })).text();
      const segmentUri = media.split('\n').find((line) => line && !line.startsWith('#'))!;
      // The whole first segment, as the reference below makes its whole first segment.
      await (await fetch(`${base}/${segmentUri}`, { headers })).arrayBuffer();
      ours.push((performance.now() - t0) / 1000);
      // One History viewer at a time: the session's encoder does not run on beside the next run.
      await remove(service, transcodeSessionId(CAMERA, after, before));

      const f0 = performance.now();
      await (await fetch(`${frigate.origin}/api/vod/${CAMERA}/start/${after}/end/${before}`, { headers })).json();
      const [first] = await fixtureFiles(CAMERA, after, before, RECORDINGS_DIR);
      // The whole first segment, as nginx-vod makes it before sending it (its init section included).
      execFileSync('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-ss',
        String(after - first.startTime),
        '-i',
        first.path,
        '-t',
        '10',
        '-c',
        'copy',
        '-f',
        'mp4',
        '-movflags',
        'frag_keyframe+empty_moov+default_base_moof',
        '-y',
        join(tmpdir(), 'nvr-bench-vod-seg.mp4'),
      ]);
      frigatePath.push((performance.now() - f0) / 1000);
      await sleep(300);
    }
  } finally {
    await service.stop();
    await frigate.close();
  }
  raw.frontDoor = { ours, frigatePath };
  const [o, f] = [median(ours), median(frigatePath)];
  rows.push({
    measure: `History master.m3u8 to the whole first segment, through the front door (median of ${RUNS})`,
    ours: fmt(o),
    reference: `${fmt(f)} (Frigate's /vod, fMP4 passthrough, modelled)`,
    ratio: `${(o / f).toFixed(2)}×`,
    target: '≤ 0.5 s',
    note: "Frigate's path: its mapping request plus a stream-copy remux of the first 10 s into fMP4 (nginx-vod's first segment)",
  });
}

/** Seconds a History viewer plays in the CPU measure. */
const HISTORY_PLAY_SECONDS = 20;
/** What Frigate's HlsVideoPlayer keeps buffered (its hls.js maxBufferLength). */
const FRIGATE_MAX_BUFFER_SECONDS = 10;

/**
 * CPU of Frigate's History view opened at a deep link mid-hour and played 20 s, against those
 * 20 s played alone, each counted until the work it caused has run out (every run paused at
 * LOOKAHEAD_SECONDS past its viewer, or stopped). Both through the front door with a Frigate login, each on a fresh service
 * (no header cached, no session or segment left from the other), alternating which goes first:
 * - the History view: the hour's master.m3u8, its index.m3u8, then the segments from the deep
 *   link on, played in real time with at most 10 s buffered (Frigate's hls.js setting);
 * - alone: the very same segment requests, paced the same way, and no playlist.
 * CPU is the service's and its children's: utime+stime+cutime+cstime of the service process
 * from before its first request until its session was deleted and every child reaped. The
 * kernel adds a child's whole CPU to cutime when it is reaped, so nothing is sampled or missed
 * (a run that lived 300 ms between two samples counts too), and a cgroup would also count the
 * other work of this shared machine.
 */
async function historyViewCpu(span: { start: number; end: number }): Promise<void> {
  log(`CPU of a History view at a deep link mid-hour, played ${HISTORY_PLAY_SECONDS} s, against those ${HISTORY_PLAY_SECONDS} s alone`);
  const frigate = await startFakeFrigate({
    cameras: [CAMERA],
    users: { bench: { username: 'bench', role: 'admin', allowedCameras: [CAMERA] } },
    recordingsDir: RECORDINGS_DIR,
  });
  const headers = { cookie: 'frigate_token=bench' };
  // An hour of History that starts inside a file, as the UI asks it.
  const [after, before] = [span.start + 3.37, span.start + 3.37 + 3600];
  let durations: number[] = [];
  let deepLink = 0;
  const measure = async (view: 'history' | 'alone') => {
    const doorPort = await freePort();
    const service = await startService({ FRONT_DOOR_PORT: String(doorPort), FRIGATE_URL: frigate.origin, LOG_LEVEL: 'warn' });
    const get = async (file: string) => {
      const response = await fetch(`http://127.0.0.1:${doorPort}/vod/${CAMERA}/start/${after}/end/${before}/${file}`, { headers });
      if (!response.ok) throw new Error(`${file} answered ${response.status}`);
      return response;
    };
    try {
      const pid = service.child.pid!;
      const [cpuBefore, ownBefore] = [cpuSecondsWithChildren(pid), cpuSeconds(pid) ?? 0];
      if (view === 'history') {
        const master = await (await get('master.m3u8')).text();
        durations = extinfSeconds(await (await get(master.split('\n').find((line) => line && !line.startsWith('#'))!)).text());
        deepLink = Math.floor(durations.length / 2);
      }
      const stalls = await playSegmentsRealTime(durations, deepLink, HISTORY_PLAY_SECONDS, FRIGATE_MAX_BUFFER_SECONDS, async (index) =>
        (await get(segmentUri(index))).arrayBuffer(),
      );
      // Then the work the view has caused runs out: every run paused at its lookahead (or
      // stopped), so what is counted does not depend on how fast this shared machine was.
      let sessions: { readySegments: number; encoder: string }[] = [];
      for (let i = 0; i < 1200; i += 1) {
        ({ sessions } = (await (await fetch(`${service.base}/transcode/sessions`)).json()) as { sessions: typeof sessions });
        if (sessions.every((session) => session.encoder !== 'encoding')) break;
        await sleep(250);
      }
      const starts = sample(await scrapeMetrics(service.base), 'nvr_transcoder_ffmpeg_starts_total', 'encoder="libx264"');
      await remove(service, transcodeSessionId(CAMERA, after, before));
      for (let i = 0; i < 100 && childPids(pid).length > 0; i += 1) await sleep(100);
      const [cpu, own] = [cpuSecondsWithChildren(pid) - cpuBefore, (cpuSeconds(pid) ?? 0) - ownBefore];
      // The service's own share (requests, plans, headers) and its ffmpeg's, and the segments made: what a difference comes from.
      return { cpu, own, children: cpu - own, segmentsMade: sessions[0]?.readySegments ?? 0, starts, stalls };
    } finally {
      await service.stop();
    }
  };
  const history: Awaited<ReturnType<typeof measure>>[] = [];
  const alone: Awaited<ReturnType<typeof measure>>[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      // The History view first on even runs (the first run learns the playlist from it).
      if (run % 2 === 0) history.push(await measure('history'));
      alone.push(await measure('alone'));
      if (run % 2 === 1) history.push(await measure('history'));
      const line = (m: (typeof history)[number]) => `${m.cpu.toFixed(2)} CPU-s (service ${m.own.toFixed(2)}, ${m.segmentsMade} segments)`;
      log(`run ${run + 1}: History ${line(history[run])}, alone ${line(alone[run])}`);
    }
  } finally {
    await frigate.close();
  }
  raw.historyViewCpu = { after, before, deepLink, history, alone };
  const [h, a] = [median(history.map((m) => m.cpu)), median(alone.map((m) => m.cpu))];
  const pairs = history.map((m, run) => (m.cpu / alone[run].cpu - 1) * 100);
  const signed = (percent: number) => `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)}%`;
  const distinct = (measures: { starts: number }[]) => [...new Set(measures.map((m) => m.starts))].join(' or ');
  rows.push({
    measure: `CPU of a History view at a deep link mid-hour (segment ${deepLink} of ${durations.length}), played ${HISTORY_PLAY_SECONDS} s (median of ${RUNS})`,
    ours: `${h.toFixed(2)} CPU-s`,
    reference: `${a.toFixed(2)} CPU-s (those ${HISTORY_PLAY_SECONDS} s alone)`,
    ratio: signed((h / a - 1) * 100),
    target: '≤ +5%',
    note:
      `ffmpeg runs started: History ${distinct(history)}, alone ${distinct(alone)}; per run (History against alone): ${pairs.map(signed).join(', ')}; ` +
      `stalls: History ${history.reduce((sum, m) => sum + m.stalls, 0)}, alone ${alone.reduce((sum, m) => sum + m.stalls, 0)}`,
  });
}

// ---------------------------------------------------------------- beyond real time: speeds, remux, export

/** Minutes of recordings each CPU-per-footage measure makes. */
const FOOTAGE_SECONDS = QUICK ? 120 : 300;

/**
 * A whole range made as fast as the service goes: every segment fetched in order, then the wait
 * until its encoder has ended. CPU is the service's and its (reaped) ffmpeg children's.
 */
async function makeWholeRange(env: Record<string, string>, camera: string, start: number, seconds: number, speed = 1) {
  const service = await startService(env);
  try {
    const before = cpuSecondsWithChildren(service.child.pid!);
    const made = await fetchWholeRange(service, camera, start, seconds, speed);
    return { cpu: cpuSecondsWithChildren(service.child.pid!) - before, ...made };
  } finally {
    await service.stop();
  }
}

/** Every segment of a range fetched in order, as fast as they come (wall: until the last), then the wait until the encoder has ended. */
async function fetchWholeRange(service: Service, camera: string, start: number, seconds: number, speed = 1) {
  const t0 = performance.now();
  const session = await create(service, camera, start, seconds, speed);
  const playlist = await (await fetch(`${service.base}${session.playlist}`)).text();
  const count = [...playlist.matchAll(/^#EXTINF/gm)].length;
  let bytes = 0;
  for (let index = 0; index < count; index += 1) bytes += await fetchSegment(service, session.sessionId, index);
  const wall = (performance.now() - t0) / 1000;
  for (let i = 0; i < 100 && (await ffmpegCount(service)) > 0; i += 1) await sleep(200);
  return { wall, bytes, segments: count };
}

const perMinute = (cpu: number, seconds: number) => cpu / (seconds / 60);

/**
 * CPU-seconds per minute of footage at 1×, 8× and 16× on the demo recordings (2 s GOP: 16× decodes
 * keyframes only, 8× every frame), and at 8× on recordings with one keyframe per file. The
 * reference is 1× on the same recordings: what a player that plays 1× faster makes the service do.
 */
async function speedCpu(spanStart: number): Promise<void> {
  log(`CPU per minute of footage at 1x, 8x, 16x (${FOOTAGE_SECONDS / 60} min ranges)`);
  const start = spanStart + 200.37;
  const results: Record<string, { cpu: number; wall: number }> = {};
  for (const [name, camera, speed] of [
    ['1x', CAMERA, 1],
    ['8x', CAMERA, 8],
    ['16x', CAMERA, 16],
    ['sparse 1x', SPARSE_CAMERA, 1],
    ['sparse 8x', SPARSE_CAMERA, 8],
  ] as const) {
    results[name] = await makeWholeRange({}, camera, start, FOOTAGE_SECONDS, speed);
    log(`  ${name}: ${results[name].cpu.toFixed(1)} CPU-s in ${results[name].wall.toFixed(1)} s`);
  }
  raw.speedCpu = results;
  const one = perMinute(results['1x'].cpu, FOOTAGE_SECONDS);
  const sparseOne = perMinute(results['sparse 1x'].cpu, FOOTAGE_SECONDS);
  for (const [name, base, target] of [
    ['8x', one, 'less than 1×'],
    ['16x', one, '< 25% of 1×'],
    ['sparse 8x', sparseOne, 'less than 1×'],
  ] as const) {
    const ours = perMinute(results[name].cpu, FOOTAGE_SECONDS);
    rows.push({
      measure: `CPU per minute of footage at ${name.replace('x', '×')}${name.startsWith('sparse') ? ' (one keyframe per file)' : ' (2 s GOP)'}`,
      ours: `${ours.toFixed(2)} CPU-s`,
      reference: `${base.toFixed(2)} CPU-s at 1×`,
      ratio: `${((ours / base) * 100).toFixed(0)}%`,
      target,
      note: `made in ${results[name].wall.toFixed(1)} s; 1× took ${(name.startsWith('sparse') ? results['sparse 1x'] : results['1x']).wall.toFixed(1)} s`,
    });
  }
}

/** An H.264 camera: CPU per minute of footage copied (the default) against encoded (REMUX_H264=false). */
async function remuxCpu(spanStart: number): Promise<void> {
  log('CPU per minute of footage of an H.264 camera, remuxed against encoded');
  const start = spanStart + 100.37;
  const remuxed = await makeWholeRange({}, H264_CAMERA, start, FOOTAGE_SECONDS);
  const encoded = await makeWholeRange({ REMUX_H264: 'false' }, H264_CAMERA, start, FOOTAGE_SECONDS);
  raw.remuxCpu = { remuxed, encoded };
  const [ours, reference] = [perMinute(remuxed.cpu, FOOTAGE_SECONDS), perMinute(encoded.cpu, FOOTAGE_SECONDS)];
  rows.push({
    measure: 'CPU per minute of footage, H.264 camera (1080p15): remux against transcode',
    ours: `${ours.toFixed(2)} CPU-s`,
    reference: `${reference.toFixed(2)} CPU-s`,
    ratio: `${((ours / reference) * 100).toFixed(1)}%`,
    target: '≤ 5% of transcode',
    note: `remux made the ${remuxed.segments} segments in ${remuxed.wall.toFixed(1)} s (${(remuxed.bytes / 1e6).toFixed(0)} MB, the camera's own bitrate); transcode took ${encoded.wall.toFixed(1)} s (${(encoded.bytes / 1e6).toFixed(0)} MB)`,
  });
}

/**
 * Export of 10 minutes of the demo recordings (H.265): cold (nothing made yet: every segment is
 * encoded for it) and warm (the range was watched: its segments are only copied into the MP4).
 * Reference: ffmpeg alone encoding the same range straight to an MP4 with the same encoder settings.
 */
async function exportTenMinutes(spanStart: number): Promise<void> {
  const seconds = QUICK ? 120 : 600;
  log(`export of ${seconds / 60} minutes, cold and warm`);
  const start = spanStart + 300.37;
  const exportOnce = async (service: Service) => {
    const before = cpuSecondsWithChildren(service.child.pid!);
    const t0 = performance.now();
    const response = await fetch(`${service.base}/export/${CAMERA}/start/${start}/end/${start + seconds}.mp4`);
    const bytes = (await response.arrayBuffer()).byteLength;
    if (response.status !== 200) throw new Error(`export answered ${response.status}`);
    for (let i = 0; i < 100 && (await ffmpegCount(service)) > 0; i += 1) await sleep(200);
    return { wall: (performance.now() - t0) / 1000, cpu: cpuSecondsWithChildren(service.child.pid!) - before, bytes };
  };
  const coldService = await startService();
  const cold = await exportOnce(coldService).finally(() => coldService.stop());
  const warmService = await startService();
  let warm: Awaited<ReturnType<typeof exportOnce>>;
  try {
    await fetchWholeRange(warmService, CAMERA, start, seconds);
    warm = await exportOnce(warmService);
  } finally {
    await warmService.stop();
  }
  // ffmpeg alone: the same recordings, encoded straight into one MP4 (no segments, no service).
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-bench-export-'));
  let reference = { wall: 0, cpu: 0 };
  try {
    const list = await concatListFor(CAMERA, start, seconds, scratch);
    const t0 = performance.now();
    const child = spawn(
      'ffmpeg',
      // prettier-ignore
      ['-v', 'error', '-nostdin', '-f', 'concat', '-safe', '0', '-i', list, '-t', String(seconds), '-vf', "scale=w=-2:h='min(ih,720)':flags=bilinear,format=yuv420p",
        '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23', '-threads', '1', '-c:a', 'aac', '-movflags', '+faststart', join(scratch, 'reference.mp4')],
      { stdio: 'ignore' },
    );
    const usage = await new Promise<number>((resolvePromise) => {
      let cpu = 0;
      const timer = setInterval(() => (cpu = cpuSeconds(child.pid!) ?? cpu), 200);
      child.once('exit', () => {
        clearInterval(timer);
        resolvePromise(cpu);
      });
    });
    reference = { wall: (performance.now() - t0) / 1000, cpu: usage };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  raw.exportTenMinutes = { seconds, cold, warm, reference };
  rows.push({
    measure: `export of ${seconds / 60} min, cold (wall / CPU)`,
    ours: `${fmt(cold.wall)} / ${cold.cpu.toFixed(0)} CPU-s`,
    reference: `${fmt(reference.wall)} / ${reference.cpu.toFixed(0)} CPU-s`,
    ratio: `${(cold.wall / reference.wall).toFixed(2)}× wall`,
    target: 'about ffmpeg alone',
    note: `reference: ffmpeg alone encoding the range straight into an MP4 (x264 ultrafast, one thread, 720p); ours makes the segments with the service's own runs, then copies them (${(cold.bytes / 1e6).toFixed(0)} MB)`,
  });
  rows.push({
    measure: `export of ${seconds / 60} min, after the range was watched (wall / CPU)`,
    ours: `${fmt(warm.wall)} / ${warm.cpu.toFixed(1)} CPU-s`,
    reference: `${fmt(reference.wall)} / ${reference.cpu.toFixed(0)} CPU-s`,
    ratio: `${((warm.wall / reference.wall) * 100).toFixed(1)}% wall`,
    target: 'copies only',
  });
}
