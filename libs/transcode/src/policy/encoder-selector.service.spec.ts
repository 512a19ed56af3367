import { FfmpegCommandBuilder, HardwareAccelerator } from '@app/ffmpeg';
import { Clock } from '../clock';
import { EncoderSelector } from './encoder-selector.service';
import type { TranscodeModuleOptions } from '../transcode.module-definition';

describe('EncoderSelector.videoCodec: the CODECS of an encoded session of this node', () => {
  it.each([
    // FFMPEG_HWACCEL, FFMPEG_PRESET → CODECS
    ['none', 'ultrafast', 'avc1.42c029'],
    ['none', 'veryfast', 'avc1.640029'],
    // A session may run on the GPU or, after it fails, on libx264: one codec covers both.
    ['vaapi', 'ultrafast', 'avc1.640029'],
    ['nvidia', 'ultrafast', 'avc1.640029'],
    ['v4l2m2m', 'veryfast', 'avc1.640029'],
  ])('%s at %s → %s', (hwaccel, ffmpegPreset, codec) => {
    const options = { hwaccel: hwaccel as HardwareAccelerator, hwaccelDevice: hwaccel === 'nvidia' ? '0' : undefined, ffmpegPreset } as TranscodeModuleOptions;
    expect(new EncoderSelector(options, new FfmpegCommandBuilder(), new Clock()).videoCodec()).toBe(codec);
  });
});
