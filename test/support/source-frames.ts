/**
 * What a test compares output against: a source recording's frames as ffprobe decodes them, and
 * Frigate's rule for where each recording sits on the player's timeline.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { probeStreams } from './ffprobe';

const run = promisify(execFile);

export interface SourceFile {
  path: string;
  startTime: number;
  /** What Frigate stores as its duration (ffprobe's format duration). */
  duration: number;
  /** Presented video frame times, seconds into the file (ffprobe, decoded). */
  frames: number[];
  audio?: { sampleRate: number; channels: number };
}

export async function probeSource(path: string, startTime: number): Promise<SourceFile> {
  const format = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
  const frames = await run('ffprobe', ['-v', 'quiet', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'default=nw=1:nk=1', path]);
  const audio = (await probeStreams(path)).find((stream) => stream.codec_type === 'audio');
  return {
    path,
    startTime,
    ...(audio ? { audio: { sampleRate: Number(audio.sample_rate), channels: audio.channels! } } : {}),
    duration: Number(format.stdout.trim()),
    frames: frames.stdout
      .split('\n')
      .filter((line) => /^-?\d/.test(line.trim()))
      .map(Number)
      .sort((a, b) => a - b),
  };
}

/** Frigate's rule: files in start order, each trimmed only by the range, played back to back. */
export function frigatePieces(files: SourceFile[], start: number, end: number) {
  const pieces: { file: SourceFile; inpoint: number; duration: number; offset: number }[] = [];
  let offset = 0;
  for (const file of files) {
    const inpoint = Math.max(0, start - file.startTime);
    const duration = Math.min(end, file.startTime + file.duration) - Math.max(start, file.startTime);
    if (duration < 0.1) continue;
    pieces.push({ file, inpoint, duration, offset });
    offset += duration;
  }
  return pieces;
}
