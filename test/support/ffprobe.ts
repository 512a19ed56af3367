import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  level?: number;
}

/** ffprobe's view of a media file's streams. */
export async function probeStreams(path: string): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path]);
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}

/** Presentation times (seconds) of a stream's packets, in file order. */
export async function packetTimes(path: string, stream: 'v' | 'a'): Promise<number[]> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', path,
  ]);
  return stdout
    .split('\n')
    .map((line) => line.trim().replace(/,$/, ''))
    .filter((line) => line !== '' && line !== 'N/A')
    .map(Number);
}

/** ffmpeg's decode errors for a file (empty when it decodes cleanly). */
export async function decodeErrors(path: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return stderr.trim();
}
