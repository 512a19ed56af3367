/** Recordings folders of a test's own, in Frigate's layout, and the damage NVR disks really hold. */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { recordingRelativePath } from '../../libs/recordings/src/frigate-recordings-layout';
import { CLIP_SECONDS, T0 } from './fixtures';
import { listBoxes } from './mp4-boxes';

const run = promisify(execFile);

/** A camera of `clips` (10 s each, from T0) in a recordings folder of the test's own; their paths. */
export async function layCamera(recordingsDir: string, camera: string, clips: string[]): Promise<string[]> {
  const paths: string[] = [];
  for (const [slot, clip] of clips.entries()) {
    const path = join(recordingsDir, recordingRelativePath(camera, T0 + slot * CLIP_SECONDS));
    await mkdir(join(path, '..'), { recursive: true });
    await copyFile(clip, path);
    paths.push(path);
  }
  return paths;
}

/**
 * `clip` as a power loss leaves a recording being written by ffmpeg's MP4 muxer (moov at the
 * end, as the segment muxer writes it): ftyp, free, and an mdat with the size placeholder (0)
 * the muxer writes first and fills in at the end, its media cut off mid-sample; no moov.
 */
export async function writeCutByPowerLoss(clip: string, target: string): Promise<void> {
  const moovLast = `${target}.moov-last.mp4`;
  await run('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-map', '0', '-c', 'copy', '-movflags', '-faststart', moovLast]);
  const bytes = await readFile(moovLast);
  const boxes = listBoxes(bytes);
  const mdat = boxes.find((box) => box.path === 'mdat')!;
  const cut = Buffer.from(bytes.subarray(0, mdat.offset + Math.floor(mdat.size * 0.7)));
  cut.writeUInt32BE(0, mdat.offset);
  await writeFile(target, cut);
}

/**
 * `clip` with the one 4-byte change of issue 23's finding: the first stts entry of its video
 * track says 2^32-1 samples. Reading that header used to run the process out of memory.
 */
export async function writeWithCorruptSampleTable(clip: string, target: string): Promise<void> {
  const bytes = await readFile(clip);
  const boxes = listBoxes(bytes);
  const videoTrak = boxes.find(
    (box) => /^moov\/trak(\[\d+\])?\/mdia\/hdlr$/.test(box.path) && bytes.toString('latin1', box.offset + 16, box.offset + 20) === 'vide',
  )!;
  const stts = boxes.find((box) => box.path === videoTrak.path.replace(/hdlr$/, 'minf/stbl/stts'))!;
  bytes.writeUInt32BE(0xffffffff, stts.offset + 16);
  await writeFile(target, bytes);
}
