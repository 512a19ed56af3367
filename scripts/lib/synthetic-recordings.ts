/**
 * Writes synthetic camera recordings in Frigate's layout, for the demo and the tests.
 * A few clips are encoded once and linked into many time slots, so hours of footage take seconds.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { recordingRelativePath } from '../../libs/recordings/src/frigate-recordings-layout';

const run = promisify(execFile);
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

export interface ClipSpec {
  /** Output file. */
  path: string;
  width: number;
  height: number;
  /** Frame rate, e.g. '15' or '30000/1001'. */
  fps: string;
  seconds: number;
  codec: 'hevc' | 'h264';
  /** Tone frequency in Hz; no audio track when absent. */
  toneHz?: number;
  /** Keyframe interval in frames; defaults to 2 s. */
  gopFrames?: number;
  /** Pixel format of the source, e.g. yuv420p10le or yuvj420p. */
  pixelFormat?: string;
  /** Text drawn on the picture with a seconds-of-the-minute clock that starts at clockStartSecond. */
  label?: string;
  clockStartSecond?: number;
}

/** Encodes one clip with a moving test pattern (and a tone), like a camera would record it. */
export async function encodeClip(spec: ClipSpec, ffmpegPath = 'ffmpeg'): Promise<void> {
  await mkdir(dirname(spec.path), { recursive: true });
  const fpsValue = spec.fps.includes('/') ? Number(spec.fps.split('/')[0]) / Number(spec.fps.split('/')[1]) : Number(spec.fps);
  const gop = spec.gopFrames ?? Math.round(fpsValue * 2);
  const filters: string[] = [];
  if (spec.label && existsSync(FONT)) {
    const size = Math.max(12, Math.round(spec.height / 14));
    const clock = `%{eif\\:mod(t+${spec.clockStartSecond ?? 0}\\,60)\\:d\\:2}`;
    filters.push(
      `drawtext=fontfile=${FONT}:text='${spec.label}  \\:${clock}':x=${size}:y=${size * 2}:fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6`,
    );
  }
  if (spec.pixelFormat) filters.push(`format=${spec.pixelFormat}`);
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
    ...(spec.toneHz ? ['-f', 'lavfi', '-i', `sine=frequency=${spec.toneHz}:sample_rate=16000`] : []),
    '-t',
    String(spec.seconds),
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    ...(spec.codec === 'hevc'
      ? ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', `keyint=${gop}:min-keyint=${gop}:scenecut=0:log-level=error`, '-tag:v', 'hvc1']
      : ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0']),
    ...(spec.toneHz ? ['-c:a', 'aac', '-b:a', '32k'] : []),
    // Camera recordings are finished files with the header in front, as Frigate stores them.
    '-movflags',
    '+faststart',
    spec.path,
  ];
  await run(ffmpegPath, args);
}

export interface LayoutSpec {
  recordingsDir: string;
  camera: string;
  /** Clips used in turn for consecutive slots. */
  clips: string[];
  /** Epoch seconds of the first slot. */
  start: number;
  /** Seconds between slot starts (the clip length). */
  slotSeconds: number;
  slots: number;
  /** Slot indexes that are left empty (recording gaps). */
  skip?: Set<number>;
}

/** Places the clips into `<dir>/YYYY-MM-DD/HH/<camera>/MM.SS.mp4`; returns the files written. */
export async function layoutRecordings(spec: LayoutSpec): Promise<string[]> {
  const written: string[] = [];
  for (let slot = 0; slot < spec.slots; slot += 1) {
    if (spec.skip?.has(slot)) continue;
    const target = join(spec.recordingsDir, recordingRelativePath(spec.camera, spec.start + slot * spec.slotSeconds));
    await mkdir(dirname(target), { recursive: true });
    await rm(target, { force: true });
    const clip = spec.clips[slot % spec.clips.length];
    // Hard links make an hour of footage cost no disk; copy where links are not possible.
    await link(clip, target).catch(() => copyFile(clip, target));
    written.push(target);
  }
  return written;
}
