import { FfmpegCommandBuilder, HlsTranscodeOptions } from '../ffmpeg-command.builder';

/** Name of the AMF device ffmpeg opens for the decoder and the filters. */
const DEVICE_NAME = 'amf';

/** AMD GPUs through AMF (ffmpeg 7.1 or newer with AMF on Linux): decode, scale, encode on the GPU. */
export class AmfCommandBuilder extends FfmpegCommandBuilder {
  override readonly accelerator = 'amf';
  override readonly kind = 'hardware';
  override readonly videoEncoder = 'h264_amf';

  constructor(private readonly gpu: string) {
    super();
  }

  protected override decoderOptions(): string[] {
    return [
      '-init_hw_device',
      `amf=${DEVICE_NAME}:${this.gpu}`,
      '-filter_hw_device',
      DEVICE_NAME,
      '-hwaccel',
      'amf',
      '-hwaccel_device',
      DEVICE_NAME,
      '-hwaccel_output_format',
      'amf',
    ];
  }

  protected override scaleFilter(height: string): string {
    // Frames decoded in software are uploaded first; format=nv12 makes 10-bit 8-bit 4:2:0.
    return `format=nv12|amf,hwupload,scale_amf=w=-2:h='${height}':format=nv12`;
  }

  protected override videoEncoderOptions(_options: HlsTranscodeOptions): string[] {
    return [
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
    ];
  }

  protected override noPeriodicKeyframeOptions(): string[] {
    // forced_idr: a forced I-frame becomes an IDR. AMF's IDR period 0 means no periodic IDR.
    return ['-forced_idr', '1', '-g', '0'];
  }
}
