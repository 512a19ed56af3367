import { FfmpegCommandBuilder, HlsTranscodeOptions } from '../ffmpeg-command.builder';

/** NVIDIA: NVDEC decodes, scale_cuda scales and NVENC encodes, without leaving the GPU. */
export class NvencCommandBuilder extends FfmpegCommandBuilder {
  override readonly accelerator = 'nvidia';
  override readonly kind = 'hardware';
  override readonly videoEncoder = 'h264_nvenc';

  constructor(private readonly gpu: string) {
    super();
  }

  protected override decoderOptions(): string[] {
    return ['-hwaccel', 'cuda', '-hwaccel_device', this.gpu, '-hwaccel_output_format', 'cuda'];
  }

  protected override scaleFilter(height: string): string {
    // format=nv12 makes 10-bit (P010) sources 8-bit 4:2:0.
    return `scale_cuda=w=-2:h='${height}':format=nv12`;
  }

  protected override videoEncoderOptions(_options: HlsTranscodeOptions): string[] {
    return ['-c:v', 'h264_nvenc', '-preset', 'p2', '-tune', 'll', '-rc', 'constqp', '-qp', '23', '-bf', '0', '-profile:v', 'high', '-level:v', '4.1'];
  }

  protected override noPeriodicKeyframeOptions(): string[] {
    // -forced-idr: NVENC turns a forced I-frame into an IDR only when asked.
    return ['-forced-idr', '1', '-g', '100000'];
  }
}
