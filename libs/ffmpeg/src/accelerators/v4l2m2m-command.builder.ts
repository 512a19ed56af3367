import { FfmpegCommandBuilder, HlsTranscodeOptions } from '../ffmpeg-command.builder';

/**
 * V4L2 memory-to-memory encoders (Raspberry Pi and other ARM boards). They take frames from
 * system memory, so decoding and scaling stay on the CPU (the software chain) and only the
 * H.264 encode moves to the hardware.
 */
export class V4l2m2mCommandBuilder extends FfmpegCommandBuilder {
  override readonly accelerator = 'v4l2m2m';
  override readonly kind = 'hardware';
  override readonly videoEncoder = 'h264_v4l2m2m';

  protected override videoEncoderOptions(_options: HlsTranscodeOptions): string[] {
    // These encoders have no constant-quality mode: 3 Mb/s suits a 720p viewing copy.
    return ['-c:v', 'h264_v4l2m2m', '-b:v', '3M', '-profile:v', 'high', '-level:v', '4.1', '-pix_fmt', 'yuv420p'];
  }

  protected override noPeriodicKeyframeOptions(): string[] {
    // A forced I-frame is passed to the driver as V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME.
    return ['-g', '100000'];
  }
}
