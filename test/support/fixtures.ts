/**
 * The recordings the e2e tests play: small synthetic clips (320x240, 10 s) copied into
 * Frigate's layout once per run by global-setup.ts, under the git-ignored test/.fixtures/.
 */
import { join } from 'node:path';

export const FIXTURES_DIR = join(__dirname, '..', '.fixtures');
export const RECORDINGS_DIR = join(FIXTURES_DIR, 'recordings');
export const CLIPS_DIR = join(FIXTURES_DIR, 'clips');
/** Bump to make global-setup regenerate fixtures after a change to what they contain. */
export const FIXTURES_VERSION = '10';

/** 2023-11-14T22:13:20Z: every fixture range starts here. */
export const T0 = 1_700_000_000;
export const CLIP_SECONDS = 10;

/** H.265 with an AAC tone; 6 files, a 30 s gap, then 3 more files. */
export const FRONT = { camera: 'front', slots: 12, gapSlots: [6, 7, 8] } as const;
/** H.265 without audio; 6 files. */
export const BACK = { camera: 'back', slots: 6, gapSlots: [] as number[] } as const;
/** H.265 with audio; 30 minutes (180 files), long enough that ffmpeg keeps running during a test. */
export const LONG = { camera: 'long', slots: 180, gapSlots: [] as number[] } as const;
/** H.265 Main 10 (yuv420p10le), no audio; 3 files. */
export const TENBIT = { camera: 'tenbit', slots: 3, gapSlots: [] as number[] } as const;
/**
 * Sources cameras really produce, 3 files (30 s) each: fractional frame rate, odd frame size,
 * full-range H.264, plain H.264 with audio, and a file with corrupt media data in the middle.
 */
export const QUIRKY = {
  ntsc: 'ntsc',
  oddSize: 'oddsize',
  fullRange: 'fullrange',
  h264: 'h264cam',
  corrupt: 'corrupt',
} as const;
export const ODD_WIDTH = 321;
export const ODD_HEIGHT = 241;

/** One recording in a codec ffmpeg cannot decode (its header is intact). */
export const BROKEN = { camera: 'broken', slots: 1, gapSlots: [] as number[] } as const;

export const FIXTURE_WIDTH = 320;
export const FIXTURE_HEIGHT = 240;
