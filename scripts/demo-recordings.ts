/**
 * `npm run demo:recordings`: one hour of synthetic 1080p15 H.265 recordings for two cameras,
 * in Frigate's layout under RECORDINGS_DIR (default ./data/recordings), ending now.
 * Each camera gets six distinct 10 s clips (one minute, with a seconds clock and a tone) that
 * are linked into every minute of the hour; a two-minute gap shows how gaps collapse.
 * Keyframes every 2 s (GOP 30 at 15 fps), as many cameras are set up.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { encodeClip, layoutRecordings } from './lib/synthetic-recordings';

const CAMERAS = [
  { name: 'front_door', toneHz: 440 },
  { name: 'driveway', toneHz: 660 },
];
const SLOT_SECONDS = 10;
const HOUR_SLOTS = 360;

async function main(): Promise<void> {
  const recordingsDir = resolve(process.env.RECORDINGS_DIR ?? './data/recordings');
  const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
  const clipsDir = join(recordingsDir, '..', 'demo-clips');
  await mkdir(clipsDir, { recursive: true });
  const end = Math.floor(Date.now() / 1000 / 60) * 60;
  const start = end - HOUR_SLOTS * SLOT_SECONDS;
  for (const camera of CAMERAS) {
    const clips: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const path = join(clipsDir, `${camera.name}-${i}.mp4`);
      process.stdout.write(`encoding ${path}\n`);
      await encodeClip(
        {
          path,
          width: 1920,
          height: 1080,
          fps: '15',
          seconds: SLOT_SECONDS,
          codec: 'hevc',
          toneHz: camera.toneHz,
          label: camera.name,
          clockStartSecond: i * SLOT_SECONDS,
        },
        ffmpeg,
      );
      clips.push(path);
    }
    // Slots 180-191 (two minutes, half way through) are missing, like a camera that was offline.
    const skip = new Set(Array.from({ length: 12 }, (_, i) => 180 + i));
    const files = await layoutRecordings({
      recordingsDir,
      camera: camera.name,
      clips,
      start,
      slotSeconds: SLOT_SECONDS,
      slots: HOUR_SLOTS,
      skip,
    });
    process.stdout.write(`${camera.name}: ${files.length} recordings from ${start} to ${end}\n`);
  }
  process.stdout.write(`demo recordings in ${recordingsDir} cover ${start}..${end} (epoch seconds)\n`);
}

main().catch((error) => {
  process.stderr.write(`demo recordings failed: ${(error as Error).message}\n`);
  process.exit(1);
});
