import type { Mp4Track, TimelinePiece } from '@app/recordings';
import { chooseOutputFormat, sourceFormatKey } from './output-format';

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
