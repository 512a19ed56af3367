/**
 * The real recordings the MP4 readers are fuzzed on: camera-zoo files (cut by ffmpeg's segment
 * muxer, as Frigate cuts them), and the kinds the zoo lacks, recorded the same way on first use:
 * H.264 and H.265, with and without audio, moov first and moov last, one truncated, one
 * fragmented. Named by their path under test/.fixtures, as the regression files name them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CameraStream, recordCameraStream } from '../../scripts/lib/camera-stream-recording';
import { FIXTURES_DIR } from './fixtures';
import { BoxEntry, listBoxes } from './mp4-boxes';

const run = promisify(execFile);

/** The zoo's (made by global-setup.ts): `recordings/<day>/<hour>/<camera>/<file>`. */
const ZOO_BASES = [
  'recordings/2023-11-15/00/zoo_pal12/00.12.mp4', // H.265 + AAC 8 kHz, moov last
  'recordings/2023-11-15/00/zoo_pal25/00.10.mp4', // H.265 hev1 with B-frames + AAC, moov first
  'recordings/2023-11-15/00/zoo_ntsc/00.10.mp4', // H.265 open GOP, 29.97 fps, AAC stereo
  'recordings/2023-11-15/00/zoo_slow6/00.10.mp4', // H.265 10-bit, no audio
  'recordings/2023-11-15/00/zoo_vfr/00.11.mp4', // variable frame rate: an stts entry per frame
  'recordings/2023-11-15/00/zoo_h264/00.11.mp4', // H.264 + AAC 48 kHz stereo, moov first
  'recordings/2023-11-15/00/zoo_gap/00.30.mp4', // truncated: moov first, data cut at 60%
];

/** The kinds the zoo lacks, recorded as the zoo records (10 s, 320x240). */
const MADE: Record<string, CameraStream> = {
  'h264-silent-moov-last': { fps: '15', gopFrames: 30, seconds: 10, codec: 'h264', moovAtEnd: true },
  'h264-silent-moov-first': { fps: '15', gopFrames: 30, seconds: 10, codec: 'h264' },
  'h264-audio-moov-last': { fps: '15', gopFrames: 30, seconds: 10, codec: 'h264', audio: { sampleRate: 16000, channels: 1 }, moovAtEnd: true },
  'hevc-silent-moov-last': { fps: '12.5', gopFrames: 25, seconds: 10, moovAtEnd: true },
};
const FRAGMENTED = 'hevc-audio-fragmented';
const CORPUS_DIR = 'fuzz-corpus';

export const FUZZ_BASES = [...ZOO_BASES, ...Object.keys(MADE).map((name) => `${CORPUS_DIR}/${name}.mp4`), `${CORPUS_DIR}/${FRAGMENTED}.mp4`];

export interface FuzzBase {
  name: string;
  bytes: Buffer;
  boxes: BoxEntry[];
}

/** Records the kinds the zoo lacks, once (they go with test/.fixtures when its version changes). */
async function makeMissingKinds(): Promise<void> {
  const dir = join(FIXTURES_DIR, CORPUS_DIR);
  await mkdir(dir, { recursive: true });
  for (const [name, stream] of Object.entries(MADE)) {
    const target = join(dir, `${name}.mp4`);
    if (existsSync(target)) continue;
    const scratch = join(dir, `.${name}`);
    const [first] = await recordCameraStream(stream, scratch);
    await rename(first.path, target);
    await rm(scratch, { recursive: true, force: true });
  }
  const fragmented = join(dir, `${FRAGMENTED}.mp4`);
  if (!existsSync(fragmented)) {
    // prettier-ignore
    await run('ffmpeg', ['-v', 'error', '-y', '-i', join(FIXTURES_DIR, ZOO_BASES[1]), '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', `${fragmented}.part.mp4`]);
    await rename(`${fragmented}.part.mp4`, fragmented);
  }
}

/** Every base, read and walked; throws naming the set-up step when the zoo is not there. */
export async function loadFuzzBases(): Promise<FuzzBase[]> {
  if (!existsSync(join(FIXTURES_DIR, ZOO_BASES[0]))) {
    throw new Error(`the camera zoo is not in ${FIXTURES_DIR}: run an e2e spec once (its global set-up makes it)`);
  }
  await makeMissingKinds();
  return Promise.all(
    FUZZ_BASES.map(async (name) => {
      const bytes = await readFile(join(FIXTURES_DIR, name));
      return { name, bytes, boxes: listBoxes(bytes) };
    }),
  );
}
