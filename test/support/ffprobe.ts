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
  sample_rate?: string;
  channels?: number;
}

/** ffprobe's view of a media file's streams. */
export async function probeStreams(path: string): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path]);
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}

/** Presentation times (seconds) of a stream's packets, in file order. */
export async function packetTimes(path: string, stream: 'v' | 'a'): Promise<number[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', path]);
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

/**
 * How alike two pictures are (PSNR in dB, over all planes): the first frame of `media`, scaled to
 * the size of frame number `frame` of `source`. Above 30 dB they are the same picture.
 */
export async function firstFramePsnr(media: string, source: string, frame: number): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    '-v',
    'info',
    '-i',
    media,
    '-i',
    source,
    '-filter_complex',
    `[1:v]select=eq(n\\,${frame}),setpts=PTS-STARTPTS[ref];[0:v]setpts=PTS-STARTPTS[out];[out][ref]scale2ref[a][b];[a][b]psnr`,
    '-frames:v',
    '1',
    '-f',
    'null',
    '-',
  ]);
  const match = /average:(inf|[\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no PSNR in ffmpeg's output:\n${stderr.slice(-500)}`);
  return match[1] === 'inf' ? Infinity : Number(match[1]);
}

/** The mean volume of a file's audio in dB (about -91 for digital silence). */
export async function meanVolume(path: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-i', path, '-map', '0:a:0', '-af', 'volumedetect', '-f', 'null', '-']);
  const match = /mean_volume: (-?[\d.]+|-inf) dB/.exec(stderr);
  if (!match) throw new Error(`no volume in ffmpeg's output:\n${stderr.slice(-500)}`);
  return match[1] === '-inf' ? -Infinity : Number(match[1]);
}

/** One packet as ffmpeg's framemd5 lists it: presentation time, size and checksum. */
export interface PacketSum {
  seconds: number;
  size: number;
  md5: string;
}

/**
 * A stream's packets with their checksums, in file order. H.264 is put in one form first (Annex
 * B start codes, without access unit delimiters, SEI or parameter sets, which MP4 and MPEG-TS
 * carry differently), and AAC raw, so the same coded frame sums the same in a recording and in a segment.
 */
export async function packetSums(path: string, stream: 'v' | 'a'): Promise<PacketSum[]> {
  // (And AAC without the ADTS header MPEG-TS gives each frame.)
  const bsf = stream === 'v' ? ['-bsf:v', 'h264_mp4toannexb,filter_units=remove_types=6|7|8|9'] : ['-bsf:a', 'aac_adtstoasc'];
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-copyts', '-i', path, '-map', `0:${stream}:0`, '-c', 'copy', ...bsf, '-f', 'framemd5', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  // Times are in the stream's time base, which the header gives (`#tb 0: 1/90000`).
  const timeBase = /^#tb 0: (\d+)\/(\d+)/m.exec(stdout);
  const [num, den] = timeBase ? [Number(timeBase[1]), Number(timeBase[2])] : [1, 1];
  return stdout
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').map((field) => field.trim()))
    .map(([, , pts, , size, md5]) => ({ seconds: (Number(pts) * num) / den, size: Number(size), md5 }));
}

/**
 * The RFC 6381 codec (avc1.PPCCLL) an H.264 file's first SPS says: profile_idc, the
 * constraint_set0..5 flags as one byte, level_idc, as ffmpeg's trace_headers reads them.
 */
export async function spsCodecOf(path: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-i', path, '-map', '0:v:0', '-c', 'copy', '-bsf:v', 'trace_headers', '-f', 'null', '-']);
  const field = (name: string) => {
    const match = new RegExp(`\\b${name}\\s+\\S+\\s+=\\s+(\\d+)`).exec(stderr);
    if (!match) throw new Error(`no ${name} in the SPS of ${path}`);
    return Number(match[1]);
  };
  const constraints = [0, 1, 2, 3, 4, 5].reduce((byte, n) => byte | (field(`constraint_set${n}_flag`) << (7 - n)), 0);
  const hex = (byte: number) => byte.toString(16).padStart(2, '0');
  return `avc1.${hex(field('profile_idc'))}${hex(constraints)}${hex(field('level_idc'))}`;
}
