import { HARDWARE_ACCELERATORS, HlsTranscodeOptions, commandBuilderFor } from '@app/ffmpeg';
import type { Mp4Track, TimelinePiece } from '@app/recordings';
import { chooseOutputFormat, coveringVideoCodec, encodedVideoCodec, sourceFormatKey } from './output-format';

function piece(video?: Partial<Mp4Track>, audio?: Partial<Mp4Track>): TimelinePiece {
  return {
    path: '/rec/a.mp4',
    fileStartTime: 0,
    fileDurationSeconds: 10,
    inpointSeconds: 0,
    durationSeconds: 10,
    timelineOffsetSeconds: 0,
    media: {
      ...(video ? { video: { kind: 'video', codecTag: 'hvc1', ...video } } : {}),
      ...(audio ? { audio: { kind: 'audio', codecTag: 'mp4a', ...audio } } : {}),
    },
  };
}

describe('chooseOutputFormat', () => {
  it.each([
    ['1080p, max 720', 1920, 1080, 720, { width: 1280, height: 720 }],
    ['smaller than the max: never scaled up', 640, 360, 720, { width: 640, height: 360 }],
    ['4:3 at 12.5 fps cameras (704x576)', 704, 576, 480, { width: 586, height: 480 }],
    ['odd source size', 321, 241, 720, { width: 320, height: 240 }],
  ])('picture: %s → the first recording scaled down to the max', (_, width, height, max, frame) => {
    expect(chooseOutputFormat([piece({ width, height })], max).frame).toEqual(frame);
  });

  it('takes the picture size from the first recording, whatever comes later', () => {
    const format = chooseOutputFormat([piece({ width: 640, height: 360 }), piece({ width: 320, height: 180 })], 720);
    expect(format.frame).toEqual({ width: 640, height: 360 });
  });

  it.each([
    [8000, 1, { sampleRate: 48000, channels: 1, bitrateKbps: 64 }],
    [16000, 1, { sampleRate: 48000, channels: 1, bitrateKbps: 64 }],
    [22050, 2, { sampleRate: 48000, channels: 2, bitrateKbps: 96 }],
    [32000, 1, { sampleRate: 32000, channels: 1, bitrateKbps: 64 }],
    [44100, 2, { sampleRate: 44100, channels: 2, bitrateKbps: 96 }],
    [48000, 6, { sampleRate: 48000, channels: 2, bitrateKbps: 96 }],
  ])('audio: AAC %p Hz, %p channel(s) → %o', (sampleRate, channels, expected) => {
    expect(chooseOutputFormat([piece({}, { sampleRate, channels })], 720).audio).toEqual(expected);
  });

  it('takes the audio of the first recording that has some (audio that appears mid-range), and none when none has', () => {
    expect(chooseOutputFormat([piece({}), piece({}, { sampleRate: 8000, channels: 1 })], 720).audio?.sampleRate).toBe(48000);
    expect(chooseOutputFormat([piece({}), piece({})], 720).audio).toBeUndefined();
  });
});

describe('sourceFormatKey', () => {
  it.each([
    ['hvc1 and hev1 are the same codec', piece({ codecTag: 'hvc1', width: 320, height: 240 }), piece({ codecTag: 'hev1', width: 320, height: 240 }), true],
    ['H.264 then H.265', piece({ codecTag: 'avc1', width: 320, height: 240 }), piece({ codecTag: 'hvc1', width: 320, height: 240 }), false],
    ['another picture size', piece({ width: 640, height: 360 }), piece({ width: 320, height: 180 }), false],
    ['audio that appears', piece({ width: 320, height: 240 }), piece({ width: 320, height: 240 }, { sampleRate: 8000, channels: 1 }), false],
    ['another audio rate', piece({}, { sampleRate: 8000, channels: 1 }), piece({}, { sampleRate: 16000, channels: 1 }), false],
  ])('%s: same format %p', (_, a, b, same) => {
    expect(sourceFormatKey(a) === sourceFormatKey(b)).toBe(same);
  });
});

describe('encodedVideoCodec: the CODECS of what each encoder writes with the service’s settings', () => {
  // libx264 rows: read once from real output (ffmpeg 5.1.9 of Debian 12 and its libx264), with
  // FfmpegCommandBuilder's own argv (`-c:v libx264 -preset P -crf 23 -profile:v high -level:v 4.1
  // -pix_fmt yuv420p -threads 1`) on a 1080p H.265 clip scaled to each height, and at 2× and 16×
  // (a fast rendition's filters, the same encoder options). Each run's first segment's SPS was read
  // with `ffmpeg -i seg.ts -c copy -bsf:v trace_headers -f null -` (profile_idc,
  // constraint_set0..5_flag, level_idc) and `ffprobe -show_streams` (profile, level).
  it.each([
    // encoder, preset, output heights (and speeds) run, what the SPS said → CODECS
    [
      'libx264',
      'ultrafast',
      '240, 360, 480, 720, 1080; 720 at 2× and 16×',
      'Constrained Baseline: profile_idc 66, constraint_set0 and set1, level_idc 41',
      'avc1.42c029',
    ],
    ['libx264', 'veryfast', '240, 360, 480, 720, 1080', 'High: profile_idc 100, no constraint flags, level_idc 41', 'avc1.640029'],
    ['libx264', 'superfast', '240, 720, 1080', 'High: profile_idc 100, no constraint flags, level_idc 41', 'avc1.640029'],
    ['libx264', 'medium', '240, 720, 1080', 'High: profile_idc 100, no constraint flags, level_idc 41', 'avc1.640029'],
    // Hardware rows: not run here (no GPU). VAAPI's SPS is ffmpeg's own (vaapi_encode_h264.c,
    // 5.1: constraint_set4 for High, set5 when no B-frames); the others' is the driver's, for the
    // profile and level asked.
    ['h264_vaapi', 'ultrafast', 'any', 'High, constraint_set4 and set5 (-bf 0), level 4.1', 'avc1.640c29'],
    ['h264_nvenc', 'ultrafast', 'any', 'High 4.1 as asked', 'avc1.640029'],
    ['h264_qsv', 'ultrafast', 'any', 'High 4.1 as asked', 'avc1.640029'],
    ['h264_amf', 'ultrafast', 'any', 'High 4.1 as asked', 'avc1.640029'],
    ['h264_rkmpp', 'ultrafast', 'any', 'High 4.1 as asked', 'avc1.640029'],
    ['h264_v4l2m2m', 'ultrafast', 'any', 'High as asked, the level the driver picks (ffmpeg 5.1 sets none)', 'avc1.640029'],
  ])('%s at %s (%s): %s → %s', (encoder, preset, _heights, _sps, codec) => {
    expect(encodedVideoCodec(encoder, preset)).toBe(codec);
  });

  it('matches what every builder asks of its encoder: High at level 4.1, the same for a fast rendition', () => {
    const options: HlsTranscodeOptions = {
      input: { format: 'concat', path: '/t/list.ffconcat', protocols: ['file'] },
      seekSeconds: 0,
      durationSeconds: 10,
      outputDir: '/t',
      keyframeTimes: [1],
      maxHeight: 720,
      preset: 'ultrafast',
      segmentListFd: 3,
      progressFd: 1,
    };
    const fast = { ...options, video: { mode: 'fast' as const, speed: 8, keyframesOnly: false } };
    for (const accelerator of HARDWARE_ACCELERATORS) {
      // Each accelerator's own kind of device (NVIDIA's is a GPU's index).
      const builder = commandBuilderFor(accelerator, accelerator === 'nvidia' ? '0' : undefined);
      for (const argv of [builder.buildHlsTranscode(options), builder.buildHlsTranscode(fast)]) {
        const asked = (flag: string) => argv[argv.indexOf(flag) + 1];
        expect({ encoder: builder.videoEncoder, codec: asked('-c:v'), profile: asked('-profile:v'), level: asked('-level:v') }).toEqual({
          encoder: builder.videoEncoder,
          codec: builder.videoEncoder,
          profile: 'high',
          level: '4.1',
        });
      }
      expect(encodedVideoCodec(builder.videoEncoder, 'ultrafast').slice(-2)).toBe('29');
    }
  });
});

describe('coveringVideoCodec: one CODECS for a session a hardware encoder or libx264 may make', () => {
  it.each([
    ['VAAPI, libx264 ultrafast after a failure', ['avc1.640c29', 'avc1.42c029'], 'avc1.640029'],
    ['NVENC, libx264 veryfast', ['avc1.640029', 'avc1.640029'], 'avc1.640029'],
    ['one encoder', ['avc1.42c029'], 'avc1.42c029'],
    ['Main 3.1 and Constrained Baseline 4.1: the higher of each', ['avc1.4d401f', 'avc1.42c029'], 'avc1.4d4029'],
  ])('%s: %p → %s', (_, codecs, covering) => {
    expect(coveringVideoCodec(codecs)).toBe(covering);
  });
});
