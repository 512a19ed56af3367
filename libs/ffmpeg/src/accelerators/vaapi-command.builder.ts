import { FfmpegCommandBuilder, HlsTranscodeOptions } from '../ffmpeg-command.builder';

/** VAAPI name of the device ffmpeg opens, used by the decoder and by hwupload. */
const DEVICE_NAME = 'va';

/** Intel and AMD GPUs on Linux through VAAPI: decode, scale and encode on the GPU. */
export class VaapiCommandBuilder extends FfmpegCommandBuilder {
  override readonly accelerator = 'vaapi';
  override readonly kind = 'hardware';
  override readonly videoEncoder = 'h264_vaapi';

  constructor(private readonly device: string) {
    super();
  }

  protected override decoderOptions(): string[] {
    return [
      // One named device for the decoder and the filters (hwupload cannot see a device that
      // only -hwaccel_device created).
      '-init_hw_device',
      `vaapi=${DEVICE_NAME}:${this.device}`,
      '-filter_hw_device',
      DEVICE_NAME,
      '-hwaccel',
      'vaapi',
      '-hwaccel_device',
      DEVICE_NAME,
      '-hwaccel_output_format',
      'vaapi',
      // Cameras write HEVC profiles the driver decodes fine but does not list exactly.
      '-hwaccel_flags',
      'allow_profile_mismatch',
    ];
  }

  protected override scaleFilter(height: string): string {
    // Frames the GPU could not decode arrive in system memory: format+hwupload brings them to
    // the GPU (frames already there pass through). format=nv12 makes 10-bit (P010) 8-bit 4:2:0.
    return `format=nv12|vaapi,hwupload,scale_vaapi=w=-2:h='${height}':format=nv12:out_range=tv`;
  }

  protected override videoEncoderOptions(_options: HlsTranscodeOptions): string[] {
    // Constant QP (the driver's rate control needs no bitrate guess); no B-frames, as ultrafast.
    return ['-c:v', 'h264_vaapi', '-qp', '23', '-bf', '0', '-profile:v', 'high', '-level:v', '4.1'];
  }

  protected override noPeriodicKeyframeOptions(): string[] {
    // VAAPI makes every forced I-frame an IDR; -g only pushes its own GOP out of reach.
    return ['-g', '100000'];
  }
}
