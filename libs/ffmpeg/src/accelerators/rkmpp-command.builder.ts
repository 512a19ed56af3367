import { FfmpegCommandBuilder, HlsTranscodeOptions } from '../ffmpeg-command.builder';

/**
 * Rockchip SoCs (RK3588 and kin) through MPP and RGA, as built into ffmpeg-rockchip (the
 * ffmpeg Frigate ships for them): decode to DRM PRIME frames, scale on RGA, encode on MPP.
 */
export class RkmppCommandBuilder extends FfmpegCommandBuilder {
  override readonly accelerator = 'rkmpp';
  override readonly kind = 'hardware';
  override readonly videoEncoder = 'h264_rkmpp';

  protected override decoderOptions(): string[] {
    return ['-hwaccel', 'rkmpp', '-hwaccel_output_format', 'drm_prime'];
  }

  protected override scaleFilter(height: string): string {
    // format=nv12 makes 10-bit sources 8-bit 4:2:0.
    return `scale_rkrga=w=-2:h='${height}':format=nv12`;
  }

  protected override videoEncoderOptions(_options: HlsTranscodeOptions): string[] {
    return ['-c:v', 'h264_rkmpp', '-rc_mode', 'CQP', '-qp_init', '23', '-profile:v', 'high', '-level:v', '4.1'];
  }

  protected override noPeriodicKeyframeOptions(): string[] {
    // ffmpeg-rockchip asks MPP for an IDR on every forced I-frame.
    return ['-g', '100000'];
  }
}
