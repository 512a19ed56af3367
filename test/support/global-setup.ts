/**
 * Runs once before the e2e tests: makes the fixture recordings (if this version is not there
 * yet) and builds the app (if dist is missing), since some tests start it as a real process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeClip, layoutRecordings } from '../../scripts/lib/synthetic-recordings';
import { makeCameraZoo } from './camera-zoo';
import { recordingRelativePath } from '../../libs/recordings/src/frigate-recordings-layout';
import {
  BACK,
  BROKEN,
  CLIPS_DIR,
  CLIP_SECONDS,
  FIXTURES_DIR,
  FIXTURES_VERSION,
  FIXTURE_HEIGHT,
  FIXTURE_WIDTH,
  FRONT,
  LONG,
  ODD_HEIGHT,
  ODD_WIDTH,
  QUIRKY,
  RECORDINGS_DIR,
  T0,
  TENBIT,
} from './fixtures';

const ROOT = join(__dirname, '..', '..');

export default async function globalSetup(): Promise<void> {
  await makeFixtures();
  if (!existsSync(join(ROOT, 'dist', 'apps', 'transcode-server', 'main.js'))) {
    execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
}

/** Makes the fixture recordings (clips, layouts, the camera zoo) unless this version is there already. */
export async function makeFixtures(): Promise<void> {
  const stamp = join(FIXTURES_DIR, 'version');
  if ((await readFile(stamp, 'utf8').catch(() => '')) === FIXTURES_VERSION) return;
  await rm(FIXTURES_DIR, { recursive: true, force: true });
  await mkdir(CLIPS_DIR, { recursive: true });
  const base = { width: FIXTURE_WIDTH, height: FIXTURE_HEIGHT, fps: '15', seconds: CLIP_SECONDS, codec: 'hevc' as const };
  const withAudio = [0, 1, 2].map((i) => join(CLIPS_DIR, `hevc-audio-${i}.mp4`));
  const silent = join(CLIPS_DIR, 'hevc-silent.mp4');
  const tenBit = join(CLIPS_DIR, 'hevc-10bit.mp4');
  await Promise.all([
    encodeClip({ ...base, path: tenBit, pixelFormat: 'yuv420p10le', label: 'tenbit' }),
    ...withAudio.map((path, i) => encodeClip({ ...base, path, toneHz: 440 + 110 * i, label: 'front', clockStartSecond: i * 10 })),
    encodeClip({ ...base, path: silent, label: 'back' }),
  ]);
  for (const spec of [FRONT, LONG]) {
    await layoutRecordings({
      recordingsDir: RECORDINGS_DIR,
      camera: spec.camera,
      clips: withAudio,
      start: T0,
      slotSeconds: CLIP_SECONDS,
      slots: spec.slots,
      skip: new Set(spec.gapSlots),
    });
  }
  await layoutRecordings({
    recordingsDir: RECORDINGS_DIR,
    camera: BACK.camera,
    clips: [silent],
    start: T0,
    slotSeconds: CLIP_SECONDS,
    slots: BACK.slots,
  });
  await makeQuirkyCameras(base);
  await layoutRecordings({
    recordingsDir: RECORDINGS_DIR,
    camera: TENBIT.camera,
    clips: [tenBit],
    start: T0,
    slotSeconds: CLIP_SECONDS,
    slots: TENBIT.slots,
  });
  // A recording whose video codec tag is unknown to ffmpeg: its header reads fine (so the
  // range is found), and ffmpeg then fails for real, as it does on a camera's odd codec.
  const broken = join(RECORDINGS_DIR, recordingRelativePath(BROKEN.camera, T0));
  await mkdir(join(broken, '..'), { recursive: true });
  const bytes = await readFile(withAudio[0]);
  const tag = bytes.indexOf('hvc1');
  bytes.write('zzzz', tag, 'latin1');
  await writeFile(broken, bytes);
  await makeCameraZoo(RECORDINGS_DIR, join(FIXTURES_DIR, 'zoo-scratch'));
  await writeFile(stamp, FIXTURES_VERSION);
}

type ClipBase = Omit<Parameters<typeof encodeClip>[0], 'path'>;

async function makeQuirkyCameras(base: ClipBase): Promise<void> {
  const clip = (name: string) => join(CLIPS_DIR, `${name}.mp4`);
  await Promise.all([
    encodeClip({ ...base, path: clip('ntsc'), fps: '30000/1001', toneHz: 500 }),
    // 4:4:4 is the only way H.264 carries an odd frame size; the output must still be even 4:2:0.
    encodeClip({ ...base, path: clip('oddsize'), codec: 'h264', width: ODD_WIDTH, height: ODD_HEIGHT, pixelFormat: 'yuv444p' }),
    encodeClip({ ...base, path: clip('fullrange'), codec: 'h264', pixelFormat: 'yuvj420p' }),
    encodeClip({ ...base, path: clip('h264cam'), codec: 'h264', toneHz: 700 }),
  ]);
  for (const camera of [QUIRKY.ntsc, QUIRKY.oddSize, QUIRKY.fullRange, QUIRKY.h264]) {
    await layoutRecordings({
      recordingsDir: RECORDINGS_DIR,
      camera,
      clips: [clip(camera)],
      start: T0,
      slotSeconds: CLIP_SECONDS,
      slots: 3,
    });
  }
  // The middle file keeps its header but its media data is overwritten with noise.
  const good = join(CLIPS_DIR, 'hevc-audio-0.mp4');
  const corrupt = join(CLIPS_DIR, 'corrupt.mp4');
  const bytes = await readFile(good);
  const mdat = bytes.indexOf('mdat');
  for (let i = mdat + 200; i < bytes.length; i += 1) bytes[i] = (i * 7919) % 251;
  await writeFile(corrupt, bytes);
  await layoutRecordings({
    recordingsDir: RECORDINGS_DIR,
    camera: QUIRKY.corrupt,
    clips: [good, corrupt, good],
    start: T0,
    slotSeconds: CLIP_SECONDS,
    slots: 3,
  });
}
