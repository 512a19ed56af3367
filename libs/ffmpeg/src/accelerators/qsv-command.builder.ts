import { FfmpegCommandBuilder, HlsTranscodeOptions } from '../ffmpeg-command.builder';

/** QSV's GOP size is a 16-bit field: the longest it can be pushed out. */
const QSV_MAX_GOP = 65535;

/** Intel Quick Sync: decode, scale and encode on the iGPU. */
export class QsvCommandBuilder extends FfmpegCommandBuilder {
  override readonly accelerator = 'qsv';
  override readonly kind = 'hardware';
  override readonly videoEncoder = 'h264_qsv';

  constructor(private readonly device: string) {
    super();
  }

  protected override decoderOptions(): string[] {
    return ['-hwaccel', 'qsv', '-qsv_device', this.device, '-hwaccel_output_format', 'qsv'];
  }

  protected override scaleFilter(height: string): string {
    // format=nv12 makes 10-bit (P010) sources 8-bit 4:2:0.
    return `scale_qsv=w=-2:h='${height}':format=nv12`;
  }

  protected override videoEncoderOptions(_options: HlsTranscodeOptions): string[] {
    return [
      '-c:v',
      'h264_qsv',
      '-preset',
      'veryfast',
      '-global_quality',
      '23',
      '-bf',
      '0',
      '-profile:v',
      'high',
      '-level:v',
      '4.1',
      // One frame in flight: the first segment leaves the encoder as soon as it is made.
      '-async_depth',
      '1',
    ];
  }

  protected override noPeriodicKeyframeOptions(): string[] {
    // forced_idr: a forced I-frame becomes an IDR, so each segment starts decodable on its own.
    return ['-forced_idr', '1', '-g', String(QSV_MAX_GOP)];
  }
}
