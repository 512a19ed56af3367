import { FfmpegCommandBuilder, HlsTranscodeOptions } from '../ffmpeg-command.builder';
import { commandBuilderFor } from './command-builder.factory';
import { HARDWARE_ACCELERATORS, HardwareAccelerator } from './hardware-accelerator';

const options: HlsTranscodeOptions = {
  input: { format: 'concat', path: '/t/abc/run-1.ffconcat', protocols: ['file'] },
  seekSeconds: 12.5,
  durationSeconds: 60,
  outputDir: '/t/abc',
  // A first segment just short of 1 s, then 2 s ones on 12 fps frame times.
  keyframeTimes: [0.995, 3.083333, 5.083333],
  maxHeight: 720,
  preset: 'ultrafast',
  segmentListFd: 3,
  progressFd: 1,
  segmentFilePrefix: 'r1_',
};

// The parts every accelerator shares: only decoding, the scale filter, the encoder and how its
// own keyframes are turned off differ. Frame timing and the forced keyframe list are the same.
const GLOBAL = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats'];
const INPUT = [
  '-protocol_whitelist',
  'file',
  '-format_whitelist',
  'concat,mov,mp4,m4a,3gp,3g2,mj2',
  '-copyts',
  '-f',
  'concat',
  '-safe',
  '0',
  '-i',
  '/t/abc/run-1.ffconcat',
  '-ss',
  '12.5',
  '-t',
  '60',
];
const MAPPING = ['-map', '0:v:0', '-map', '0:a:0?', '-sn', '-dn'];
/** Source frame times kept: no constant-rate conversion, no rounding to a 1/fps time base. */
const FRAME_TIMING = ['-fps_mode', 'vfr', '-enc_time_base:v', '1/90000'];
/** The listed keyframe times, microsecond precision. */
const FORCED_KEYFRAMES = ['-force_key_frames', '0.995,3.083333,5.083333'];
const AUDIO_AND_OUTPUT = [
  '-c:a',
  'aac',
  '-b:a',
  '96k',
  '-f',
  'segment',
  '-segment_format',
  'mpegts',
  '-segment_time',
  '0.001',
  '-segment_start_number',
  '0',
  '-segment_list',
  'pipe:3',
  '-segment_list_type',
  'csv',
  '-progress',
  'pipe:1',
  '/t/abc/r1_%05d.ts',
];
/** Capped at 720 lines, never more than the source, even. */
const HEIGHT = "h='trunc(min(ih\\,720)/2)*2'";

interface Row {
  accelerator: HardwareAccelerator;
  device?: string;
  decoder: string[];
  filter: string;
  encoder: string[];
  keyframes: string[];
}

const TABLE: Row[] = [
  {
    accelerator: 'none',
    decoder: [],
    filter: `scale=w=-2:${HEIGHT}:flags=bilinear:out_range=tv,format=yuv420p`,
    encoder: ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23', '-profile:v', 'high', '-level:v', '4.1', '-pix_fmt', 'yuv420p', '-threads', '1'],
    keyframes: ['-sc_threshold', '0', '-g', '100000'],
  },
  {
    accelerator: 'vaapi',
    decoder: [
      '-init_hw_device',
      'vaapi=va:/dev/dri/renderD128',
      '-filter_hw_device',
      'va',
      '-hwaccel',
      'vaapi',
      '-hwaccel_device',
      'va',
      '-hwaccel_output_format',
      'vaapi',
      '-hwaccel_flags',
      'allow_profile_mismatch',
    ],
    filter: `format=nv12|vaapi,hwupload,scale_vaapi=w=-2:${HEIGHT}:format=nv12:out_range=tv`,
    encoder: ['-c:v', 'h264_vaapi', '-qp', '23', '-bf', '0', '-profile:v', 'high', '-level:v', '4.1'],
    keyframes: ['-g', '100000'],
  },
  {
    accelerator: 'vaapi',
    device: '/dev/dri/renderD129',
    decoder: [
      '-init_hw_device',
      'vaapi=va:/dev/dri/renderD129',
      '-filter_hw_device',
      'va',
      '-hwaccel',
      'vaapi',
      '-hwaccel_device',
      'va',
      '-hwaccel_output_format',
      'vaapi',
      '-hwaccel_flags',
      'allow_profile_mismatch',
    ],
    filter: `format=nv12|vaapi,hwupload,scale_vaapi=w=-2:${HEIGHT}:format=nv12:out_range=tv`,
    encoder: ['-c:v', 'h264_vaapi', '-qp', '23', '-bf', '0', '-profile:v', 'high', '-level:v', '4.1'],
    keyframes: ['-g', '100000'],
  },
  {
    accelerator: 'qsv',
    decoder: ['-hwaccel', 'qsv', '-qsv_device', '/dev/dri/renderD128', '-hwaccel_output_format', 'qsv'],
    filter: `scale_qsv=w=-2:${HEIGHT}:format=nv12`,
    encoder: ['-c:v', 'h264_qsv', '-preset', 'veryfast', '-global_quality', '23', '-bf', '0', '-profile:v', 'high', '-level:v', '4.1', '-async_depth', '1'],
    keyframes: ['-forced_idr', '1', '-g', '65535'],
  },
  {
    accelerator: 'nvidia',
    device: '1',
    decoder: ['-hwaccel', 'cuda', '-hwaccel_device', '1', '-hwaccel_output_format', 'cuda'],
    filter: `scale_cuda=w=-2:${HEIGHT}:format=nv12`,
    encoder: ['-c:v', 'h264_nvenc', '-preset', 'p2', '-tune', 'll', '-rc', 'constqp', '-qp', '23', '-bf', '0', '-profile:v', 'high', '-level:v', '4.1'],
    keyframes: ['-forced-idr', '1', '-g', '100000'],
  },
  {
    accelerator: 'rkmpp',
    decoder: ['-hwaccel', 'rkmpp', '-hwaccel_output_format', 'drm_prime'],
    filter: `scale_rkrga=w=-2:${HEIGHT}:format=nv12`,
    encoder: ['-c:v', 'h264_rkmpp', '-rc_mode', 'CQP', '-qp_init', '23', '-profile:v', 'high', '-level:v', '4.1'],
    keyframes: ['-g', '100000'],
  },
  {
    accelerator: 'amf',
    decoder: ['-init_hw_device', 'amf=amf:0', '-filter_hw_device', 'amf', '-hwaccel', 'amf', '-hwaccel_device', 'amf', '-hwaccel_output_format', 'amf'],
    filter: `format=nv12|amf,hwupload,scale_amf=w=-2:${HEIGHT}:format=nv12`,
    encoder: [
      '-c:v',
      'h264_amf',
      '-usage',
      'transcoding',
      '-quality',
      'speed',
      '-rc',
      'cqp',
      '-qp_i',
      '23',
      '-qp_p',
      '23',
      '-bf',
      '0',
      '-profile:v',
      'high',
      '-level:v',
      '4.1',
    ],
    keyframes: ['-forced_idr', '1', '-g', '0'],
  },
  {
    accelerator: 'v4l2m2m',
    decoder: [],
    filter: `scale=w=-2:${HEIGHT}:flags=bilinear:out_range=tv,format=yuv420p`,
    encoder: ['-c:v', 'h264_v4l2m2m', '-b:v', '3M', '-profile:v', 'high', '-level:v', '4.1', '-pix_fmt', 'yuv420p'],
    keyframes: ['-g', '100000'],
  },
];

const NAMED_ROWS = TABLE.map((row) => [`${row.accelerator}${row.device ? ` (${row.device})` : ''}`, row] as const);

describe('commandBuilderFor: the exact argv per accelerator', () => {
  it.each(NAMED_ROWS)('%s', (_name, row) => {
    expect(commandBuilderFor(row.accelerator, row.device).buildHlsTranscode(options)).toEqual([
      ...GLOBAL,
      ...row.decoder,
      ...INPUT,
      ...MAPPING,
      ...FRAME_TIMING,
      '-vf',
      row.filter,
      ...row.encoder,
      ...FORCED_KEYFRAMES,
      ...row.keyframes,
      ...AUDIO_AND_OUTPUT,
    ]);
  });

  it.each(NAMED_ROWS)('%s with no keyframe times: no -force_key_frames, its own keyframe options still there', (_name, row) => {
    expect(commandBuilderFor(row.accelerator, row.device).buildHlsTranscode({ ...options, keyframeTimes: [] })).toEqual([
      ...GLOBAL,
      ...row.decoder,
      ...INPUT,
      ...MAPPING,
      ...FRAME_TIMING,
      '-vf',
      row.filter,
      ...row.encoder,
      ...row.keyframes,
      ...AUDIO_AND_OUTPUT,
    ]);
  });

  it.each(NAMED_ROWS)('%s rejects a negative keyframe time', (_name, row) => {
    expect(() => commandBuilderFor(row.accelerator, row.device).buildHlsTranscode({ ...options, keyframeTimes: [1, -1] })).toThrow(RangeError);
  });

  it('covers every accelerator', () => {
    expect(new Set(TABLE.map((row) => row.accelerator))).toEqual(new Set(HARDWARE_ACCELERATORS));
  });

  it.each(HARDWARE_ACCELERATORS.filter((a) => a !== 'none'))('%s is a hardware builder that names its encoder', (accelerator) => {
    const builder = commandBuilderFor(accelerator);
    expect(builder.kind).toBe('hardware');
    expect(builder.accelerator).toBe(accelerator);
    expect(builder.buildHlsTranscode(options)).toContain(builder.videoEncoder);
  });

  it('none is the software builder', () => {
    const builder = commandBuilderFor('none');
    expect(builder).toBeInstanceOf(FfmpegCommandBuilder);
    expect([builder.kind, builder.videoEncoder]).toEqual(['software', 'libx264']);
  });

  it('refuses a device that is not a render node or GPU index (it would go into argv)', () => {
    expect(() => commandBuilderFor('vaapi', '/etc/passwd')).toThrow(/render node/);
    expect(() => commandBuilderFor('nvidia', '0; rm -rf /')).toThrow(/index/);
  });
});
