/**
 * Records a synthetic camera stream the way Frigate records a camera: one continuous encode cut
 * by ffmpeg's segment muxer at keyframes (`-f segment -segment_time 10 -reset_timestamps 1`), so
 * file lengths follow the GOP. Used by the tests' camera zoo and by the benchmark's real camera.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const W = 320;
const H = 240;

export interface CameraStream {
  fps: string;
  /** Keyframe interval in frames. */
  gopFrames: number;
  seconds: number;
  width?: number;
  height?: number;
  codec?: 'hevc' | 'h264';
  /** hvc1 (parameter sets in the sample entry) or hev1 (in band). */
  hevcTag?: 'hvc1' | 'hev1';
  bFrames?: number;
  openGop?: boolean;
  tenBit?: boolean;
  /** Timestamps jittered around the nominal frame times, as an RTSP clock makes them. */
  jitter?: boolean;
  audio?: { sampleRate: number; channels: number };
  /** Leave the moov after the media data (as the segment muxer writes it; Frigate moves it to the front). */
  moovAtEnd?: boolean;
  /** Seconds after the camera's start at which this stream begins (a restart or a reconfiguration). */
  startsAt?: number;
}

/** Records one stream into `dir` as the segment muxer cuts it; returns each file with its start (seconds). */
export async function recordCameraStream(stream: CameraStream, dir: string): Promise<{ path: string; start: number }[]> {
  await mkdir(dir, { recursive: true });
  const fps = stream.fps;
  const filters = [...(stream.jitter ? [`setpts='(N/${fps}+0.011*sin(N*1.7))/TB'`] : []), ...(stream.tenBit ? ['format=yuv420p10le'] : [])];
  const x265 = [
    `keyint=${stream.gopFrames}`,
    `min-keyint=${stream.gopFrames}`,
    'scenecut=0',
    `bframes=${stream.bFrames ?? 0}`,
    `open-gop=${stream.openGop ? 1 : 0}`,
    'log-level=error',
  ].join(':');
  const video =
    stream.codec === 'h264'
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(stream.gopFrames), '-keyint_min', String(stream.gopFrames), '-sc_threshold', '0']
      : ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', x265, '-tag:v', stream.hevcTag ?? 'hvc1'];
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${stream.width ?? W}x${stream.height ?? H}:rate=${fps}`,
    ...(stream.audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${stream.audio.sampleRate}`] : []),
    '-t',
    String(stream.seconds),
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    // Jittered times are kept as they are (a 1/fps time base would round them away).
    ...(stream.jitter ? ['-fps_mode', 'passthrough', '-enc_time_base:v', '1/90000', '-video_track_timescale', '90000'] : []),
    ...video,
    ...(stream.audio ? ['-c:a', 'aac', '-ac', String(stream.audio.channels), '-ar', String(stream.audio.sampleRate), '-b:a', '24k'] : []),
    '-f',
    'segment',
    '-segment_time',
    '10',
    '-reset_timestamps',
    '1',
    '-segment_format',
    'mp4',
    ...(stream.moovAtEnd ? [] : ['-segment_format_options', 'movflags=+faststart']),
    '-segment_list',
    join(dir, 'list.csv'),
    '-segment_list_type',
    'csv',
    join(dir, '%03d.mp4'),
  ];
  await run('ffmpeg', args);
  const list = await readFile(join(dir, 'list.csv'), 'utf8');
  return list
    .trim()
    .split('\n')
    .map((line) => line.split(','))
    .map(([name, start]) => ({ path: join(dir, name), start: Number(start) }));
}
