/**
 * `npm run bench:ladder`: what the quality ladder costs and what each rung delivers, on the
 * full-size demo recordings (1080p15 H.265, a moving test pattern: the busiest scene a camera
 * shows). The service's own plan and ffmpeg argv (libx264 at its preset, forced keyframes every
 * 2 s, the segment muxer), run directly, in three shapes:
 *   (a) the top rung alone, as a session makes it today;
 *   (b) every rung from one decode: one ffmpeg, split + scale per rung, one output per rung;
 *   (c) one ffmpeg per rung.
 * Each with the ladder's capped CRF; (b) also with plain CRF, to see what the cap holds back.
 * The shapes run alternately, LADDER_REPEATS (3) times; CPU is the median. Writes
 * bench/results/ladder.md. See bench/README.md for the method.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FfmpegCommandBuilder, HlsTranscodeOptions, VideoRateControl, buildInputList } from '../libs/ffmpeg/src';
import { FilesystemRecordingSource } from '../libs/recordings/src/filesystem-recording.source';
import { RecordingHeaderIndex } from '../libs/recordings/src/recording-header.index';
import { planTimeline } from '../libs/recordings/src/recording-timeline';
import { planSegments } from '../libs/transcode/src/plan/segment-plan';
import { chooseOutputFormat } from '../libs/transcode/src/plan/output-format';
import { runInput, runTranscodeOptions } from '../libs/transcode/src/plan/encoder-input';
import { DEFAULT_LADDER, LadderRung, planLadderRungs } from '../libs/transcode/src/plan/quality-ladder';
import { cpuSeconds, cpuSecondsWithChildren } from './lib/proc';

const ROOT = resolve(__dirname, '..');
const RECORDINGS_DIR = resolve(process.env.RECORDINGS_DIR ?? join(ROOT, 'data', 'recordings'));
const CAMERA = 'front_door';
const FOOTAGE_SECONDS = Number(process.env.LADDER_SECONDS ?? 60);
const REPEATS = Number(process.env.LADDER_REPEATS ?? 3);
const SEGMENT_SECONDS = 2;
const OUTPUT_MAX_HEIGHT = 720;
const PRESET = 'ultrafast';
const WORK_DIR = join(tmpdir(), `bench-ladder-${process.pid}`);
/** File descriptors of a run: -progress on stdout, each rung's segment list from 3 on. */
const PROGRESS_FD = 1;
const FIRST_LIST_FD = 3;

const log = (line: string) => process.stdout.write(`[ladder] ${line}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

type Shape = 'a' | 'b' | 'b-split' | 'c' | 'b-plain';
/** The shapes whose CPU is compared: run alternately, every repeat. (b) plain runs once, for its bitrate and quality. */
const COMPARED = ['a', 'b', 'b-split', 'c'] as const;
interface SegmentStat {
  /** The file's bytes: video, audio and MPEG-TS packaging, what a player downloads. */
  bytes: number;
  /** The video packets' bytes alone, what the rung's cap bounds. */
  videoBytes: number;
  seconds: number;
}
interface RungResult {
  rung: LadderRung;
  segments: SegmentStat[];
  dir: string;
}
interface RunResult {
  cpuSeconds: number;
  rungs: RungResult[];
}

async function main(): Promise<void> {
  const { base, source } = await plannedRun();
  const rungs = planLadderRungs(DEFAULT_LADDER, source, OUTPUT_MAX_HEIGHT);
  log(
    `${FOOTAGE_SECONDS} s of ${CAMERA} (${source.width}x${source.height}), rungs ${rungs.map((r) => `${r.width}x${r.height}`).join(', ')}, ${REPEATS} repeats`,
  );
  const cpu: Record<Shape, number[]> = { a: [], b: [], 'b-split': [], c: [], 'b-plain': [] };
  const last: Partial<Record<Shape, RunResult>> = {};
  const run = async (shape: Shape, repeat: number) => {
    const result = await runShape(shape, base, rungs, join(WORK_DIR, `${shape}-${repeat}`));
    cpu[shape].push(result.cpuSeconds);
    log(`repeat ${repeat + 1} (${shape}): ${result.cpuSeconds.toFixed(2)} CPU-s`);
    if (last[shape]) await rm(join(WORK_DIR, `${shape}-${repeat - 1}`), { recursive: true, force: true });
    last[shape] = result;
  };
  for (let repeat = 0; repeat < REPEATS; repeat += 1) {
    for (const shape of COMPARED) await run(shape, repeat);
  }
  await run('b-plain', 0);
  const quality = new Map<string, { ssim: number; psnr: number }>();
  for (const shape of RUNG_TABLE_SHAPES) {
    for (const rung of last[shape]!.rungs) {
      quality.set(`${shape} ${rung.rung.name}`, await qualityAgainstSource(rung, base, source));
      log(`quality ${shape} ${rung.rung.name}: ${JSON.stringify(quality.get(`${shape} ${rung.rung.name}`))}`);
    }
  }
  await writeReport(cpu, last as Record<Shape, RunResult>, quality, rungs);
  await rm(WORK_DIR, { recursive: true, force: true });
}

/** The service's own options for a run over the first FOOTAGE_SECONDS of the camera's recordings. */
async function plannedRun(): Promise<{ base: HlsTranscodeOptions; source: { width: number; height: number } }> {
  const start = (await cameraStarts(CAMERA))[0];
  if (start === undefined) throw new Error(`no recordings of ${CAMERA} in ${RECORDINGS_DIR}: run npm run demo:recordings`);
  const options = { recordingsDir: RECORDINGS_DIR, ffprobePath: 'ffprobe' };
  const recordings = new FilesystemRecordingSource(options, new RecordingHeaderIndex(options, {} as never));
  const end = start + FOOTAGE_SECONDS;
  const timeline = planTimeline(await recordings.withMedia(await recordings.findRecordings(CAMERA, start, end)), start, end);
  const plan = { timeline, segments: planSegments(timeline, SEGMENT_SECONDS), outputFormat: (height: number) => chooseOutputFormat(timeline.pieces, height) };
  const input = runInput(plan, 0);
  const list = buildInputList(input.entries, input.inputOffsetSeconds);
  await mkdir(WORK_DIR, { recursive: true });
  const listPath = join(WORK_DIR, 'run.ffconcat');
  await writeFile(listPath, list.text);
  const base = runTranscodeOptions(plan, 0, input, list, listPath, {
    outputDir: WORK_DIR,
    segmentFilePrefix: 'seg_',
    outputMaxHeight: OUTPUT_MAX_HEIGHT,
    preset: PRESET,
  });
  const video = timeline.pieces[0].media?.video;
  if (!video?.width || !video.height) throw new Error('the first recording has no picture size');
  return { base: { ...base, progressFd: PROGRESS_FD, segmentListFd: FIRST_LIST_FD }, source: { width: video.width, height: video.height } };
}

const PLAIN = (rate: VideoRateControl): VideoRateControl => ({ crf: rate.crf });

async function runShape(shape: Shape, base: HlsTranscodeOptions, rungs: readonly LadderRung[], dir: string): Promise<RunResult> {
  const builder = new FfmpegCommandBuilder();
  const rungDirs = rungs.map((rung) => join(dir, rung.name));
  await Promise.all(rungDirs.map((rungDir) => mkdir(rungDir, { recursive: true })));
  const one = (rung: LadderRung, rungDir: string): HlsTranscodeOptions => ({
    ...base,
    outputDir: rungDir,
    outputFrame: rung,
    maxHeight: rung.height,
    rate: rung.rate,
  });
  if (shape === 'a') {
    const run = await runFfmpeg(builder.buildHlsTranscode(one(rungs[0], rungDirs[0])), 1);
    return { cpuSeconds: run.cpuSeconds, rungs: [{ rung: rungs[0], dir: rungDirs[0], segments: await segmentStats(rungDirs[0], run.lists[0]) }] };
  }
  if (shape === 'c') {
    let cpu = 0;
    const results: RungResult[] = [];
    for (const [index, rung] of rungs.entries()) {
      const run = await runFfmpeg(builder.buildHlsTranscode(one(rung, rungDirs[index])), 1);
      cpu += run.cpuSeconds;
      results.push({ rung, dir: rungDirs[index], segments: await segmentStats(rungDirs[index], run.lists[0]) });
    }
    return { cpuSeconds: cpu, rungs: results };
  }
  const {
    outputDir: _dir,
    segmentFilePrefix: _prefix,
    segmentListFd: _fd,
    maxHeight: _height,
    outputFrame: _frame,
    rate: _rate,
    video: _video,
    ...shared
  } = base;
  const args = builder.buildHlsLadderTranscode({
    ...shared,
    rungs: rungs.map((rung, index) => ({
      frame: rung,
      rate: shape === 'b-plain' ? PLAIN(rung.rate) : rung.rate,
      outputDir: rungDirs[index],
      segmentListFd: FIRST_LIST_FD + index,
    })),
  });
  if (shape === 'b-split') {
    // Every rung scaled from the decoded source (split first), each with a one-rung run's own filter.
    const fits = rungs.map((rung, index) => {
      const single = builder.buildHlsTranscode(one(rung, rungDirs[index]));
      return single[single.indexOf('-vf') + 1];
    });
    args[args.indexOf('-filter_complex') + 1] =
      `[0:v:0]split=${rungs.length}${rungs.map((_, i) => `[r${i}]`).join('')};` + fits.map((fit, i) => `[r${i}]${fit}[v${i}]`).join(';');
  }
  const run = await runFfmpeg(args, rungs.length);
  return {
    cpuSeconds: run.cpuSeconds,
    rungs: await Promise.all(
      rungs.map(async (rung, index) => ({ rung, dir: rungDirs[index], segments: await segmentStats(rungDirs[index], run.lists[index]) })),
    ),
  };
}

/**
 * Runs ffmpeg to its end: its CPU (utime+stime, read as this process's reaped children's, which
 * only this ffmpeg adds to while it runs) and each segment list's text.
 */
async function runFfmpeg(args: string[], lists: number): Promise<{ cpuSeconds: number; lists: string[] }> {
  const reaped = () => cpuSecondsWithChildren(process.pid) - (cpuSeconds(process.pid) ?? 0);
  const before = reaped();
  const stdio = ['ignore', 'pipe', 'pipe', ...Array.from({ length: lists }, () => 'pipe' as const)] as const;
  const child = spawn('ffmpeg', args, { stdio: [...stdio] });
  const texts = Array.from({ length: lists }, () => '');
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (let index = 0; index < lists; index += 1) {
    (child.stdio[FIRST_LIST_FD + index] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (texts[index] += chunk.toString()));
  }
  const code = await new Promise<number | null>((resolvePromise) => child.once('close', resolvePromise));
  if (code !== 0) throw new Error(`ffmpeg exited ${code}: ${stderr.slice(-2000)}\nargv: ${args.join(' ')}`);
  return { cpuSeconds: reaped() - before, lists: texts };
}

/** Each segment's bytes and seconds, from the segment list (name,start,end) and the files. */
async function segmentStats(dir: string, list: string): Promise<SegmentStat[]> {
  const lines = list.trim().split('\n').filter(Boolean);
  return Promise.all(
    lines.map(async (line) => {
      const [name, start, end] = line.split(',');
      const path = join(dir, name);
      return { bytes: (await stat(path)).size, videoBytes: await videoPacketBytes(path), seconds: Number(end) - Number(start) };
    }),
  );
}

/** The bytes of a segment's video packets (ffprobe, no decoding). */
async function videoPacketBytes(path: string): Promise<number> {
  const child = spawn('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolvePromise) => child.once('close', resolvePromise));
  // One line a packet ("size," and at times a blank line of side data).
  return out
    .split('\n')
    .map((line) => Number.parseInt(line, 10))
    .filter((size) => Number.isFinite(size))
    .reduce((sum, size) => sum + size, 0);
}

/**
 * SSIM and PSNR (Y, U, V combined) of a rung against the source frames: the rung's segments,
 * joined, scaled back up to the source's size (bicubic, as a player's full screen would), frame by
 * frame against the recordings the run read.
 */
async function qualityAgainstSource(
  result: RungResult,
  base: HlsTranscodeOptions,
  source: { width: number; height: number },
): Promise<{ ssim: number; psnr: number }> {
  const names = (await readdir(result.dir)).filter((name) => name.endsWith('.ts')).sort();
  const joined = join(result.dir, 'all.ts');
  await writeFile(joined, Buffer.concat(await Promise.all(names.map((name) => readFile(join(result.dir, name))))));
  const graph =
    `[0:v]setpts=PTS-STARTPTS,scale=${source.width}:${source.height}:flags=bicubic,format=yuv420p,split[d0][d1];` +
    `[1:v]setpts=PTS-STARTPTS,format=yuv420p,split[r0][r1];[d0][r0]ssim;[d1][r1]psnr`;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-i',
    joined,
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    base.input.path,
    '-t',
    String(FOOTAGE_SECONDS),
    '-filter_complex',
    graph,
    '-f',
    'null',
    '-',
  ];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolvePromise) => child.once('close', resolvePromise));
  const ssim = /SSIM .* All:([\d.]+)/.exec(stderr)?.[1];
  const psnr = /PSNR .* average:([\d.]+|inf)/.exec(stderr)?.[1];
  if (code !== 0 || !ssim || !psnr) throw new Error(`quality measure failed (${code}): ${stderr.slice(-1500)}`);
  return { ssim: Number(ssim), psnr: Number(psnr) };
}

async function writeReport(
  cpu: Record<Shape, number[]>,
  last: Record<Shape, RunResult>,
  quality: Map<string, { ssim: number; psnr: number }>,
  rungs: readonly LadderRung[],
): Promise<void> {
  const minutes = FOOTAGE_SECONDS / 60;
  const perMinute = (shape: Shape) => median(cpu[shape]) / minutes;
  const lines = [
    `# Ladder benchmark (${new Date().toISOString()})`,
    '',
    `${FOOTAGE_SECONDS} s of ${CAMERA} (1080p15 H.265 test pattern), libx264 ${PRESET}, keyframes forced every ${SEGMENT_SECONDS} s, segments of ${SEGMENT_SECONDS} s,`,
    `median of ${REPEATS} alternating runs. CPU: utime+stime of the ffmpeg processes.`,
    '',
    '| shape | CPU-s per minute of footage | runs (CPU-s) | against (a): ratio of medians | against (a): each repeat |',
    '|---|---|---|---|---|',
    ...(['a', 'b', 'b-split', 'c', 'b-plain'] as const).map(
      (shape) =>
        `| ${SHAPE_NAMES[shape]} | ${perMinute(shape).toFixed(2)} | ${cpu[shape].map((v) => v.toFixed(2)).join(', ')} | ${(perMinute(shape) / perMinute('a')).toFixed(2)}x | ${cpu[shape].map((v, i) => `${(v / cpu.a[i]).toFixed(2)}x`).join(', ')} |`,
    ),
    '',
    'Each rung, over its 2 s segments. Video: the video packets alone, against the cap (the VBV bound over 2 s is 1.25 x maxrate with a 0.5 s buffer).',
    'Stream: the segment files (video, audio, MPEG-TS packaging), what a player downloads, against the BANDWIDTH the rung advertises.',
    'Quality: the rung scaled back up to the source size (bicubic), against the source frames.',
    '',
    '| rate control | rung | maxrate / bufsize | video avg / peak kb/s | video peak / maxrate | stream MB per minute | stream avg / peak kb/s | BANDWIDTH | stream peak / BANDWIDTH | SSIM | PSNR dB |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const shape of RUNG_TABLE_SHAPES) {
    for (const result of last[shape].rungs) {
      const bytes = result.segments.reduce((sum, s) => sum + s.bytes, 0);
      const seconds = result.segments.reduce((sum, s) => sum + s.seconds, 0);
      const videoBytes = result.segments.reduce((sum, s) => sum + s.videoBytes, 0);
      const peak = Math.max(...result.segments.map((s) => (s.bytes * 8) / s.seconds));
      const videoPeak = Math.max(...result.segments.map((s) => (s.videoBytes * 8) / s.seconds));
      const kbps = (bits: number) => Math.round(bits / 1000);
      const q = quality.get(`${shape} ${result.rung.name}`)!;
      const capped = shape !== 'b-plain';
      const { rate } = result.rung;
      lines.push(
        `| ${RATE_NAMES[shape]} | ${result.rung.width}x${result.rung.height} | ${capped ? `${rate.maxrateKbps}k / ${rate.bufsizeKbps}k` : '-'} | ` +
          `${kbps((videoBytes * 8) / seconds)} / ${kbps(videoPeak)} | ${(videoPeak / 1000 / rate.maxrateKbps).toFixed(2)} | ` +
          `${(((bytes / seconds) * 60) / 1e6).toFixed(2)} | ${kbps((bytes * 8) / seconds)} / ${kbps(peak)} | ` +
          `${result.rung.bandwidth} | ${(peak / result.rung.bandwidth).toFixed(2)} | ${q.ssim.toFixed(4)} | ${q.psnr.toFixed(2)} |`,
      );
    }
  }
  lines.push(
    '',
    `Rungs as planned: ${rungs.map((r) => `${r.name} ${r.width}x${r.height} maxrate ${r.rate.maxrateKbps}k BANDWIDTH ${r.bandwidth} AVERAGE-BANDWIDTH ${r.averageBandwidth}`).join('; ')}`,
    '',
  );
  const text = lines.join('\n');
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(join(ROOT, 'bench', 'results', 'ladder.md'), text);
  process.stdout.write(`${text}\n`);
}

/** The shapes whose rungs are measured (bitrate, quality). */
const RUNG_TABLE_SHAPES = ['b', 'b-split', 'b-plain'] as const;
const RATE_NAMES: Record<(typeof RUNG_TABLE_SHAPES)[number], string> = {
  b: 'capped CRF 23, cascade',
  'b-split': 'capped CRF 23, from source',
  'b-plain': 'plain CRF 23, cascade',
};

const SHAPE_NAMES: Record<Shape, string> = {
  a: '(a) top rung alone',
  b: '(b) every rung, one decode, each rung scaled from the one above (cascade)',
  'b-split': '(b) every rung, one decode, each rung scaled from the source (split)',
  c: '(c) one ffmpeg per rung',
  'b-plain': '(b) cascade, plain CRF (one run)',
};

async function cameraStarts(camera: string): Promise<number[]> {
  const starts: number[] = [];
  if (!existsSync(RECORDINGS_DIR)) return starts;
  for (const date of await readdir(RECORDINGS_DIR)) {
    for (const hour of await readdir(join(RECORDINGS_DIR, date)).catch(() => [] as string[])) {
      for (const file of await readdir(join(RECORDINGS_DIR, date, hour, camera)).catch(() => [] as string[])) {
        const [mm, ss] = file.replace('.mp4', '').split('.');
        starts.push(Date.parse(`${date}T${hour}:${mm}:${ss}Z`) / 1000);
      }
    }
  }
  return starts.sort((a, b) => a - b);
}

main().catch((error) => {
  process.stderr.write(`ladder bench failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
