import { Inject, Injectable, Logger } from '@nestjs/common';
import { FfmpegCommandBuilder, commandBuilderFor } from '@app/ffmpeg';
import { Clock } from '../clock';
import { EncoderStatus, encoderStatusOf, isHardwareAllowed, runVideoEncoder } from './encoder-choice';
import { coveringVideoCodec, encodedVideoCodec } from '../plan/output-format';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';

/** After a hardware failure, new sessions use software for this long before trying the GPU again. */
export const HARDWARE_RETRY_AFTER_MS = 5 * 60_000;

/**
 * The node's side of the encoder choice: its command builders and how the hardware fared lately
 * (a session's scheduler reports a hardware run's first segment, and a fallen-back session's
 * software one). Every decision is the policy's (encoder-choice.ts): whether new runs may use
 * the hardware, which builder a run gets, what /health says.
 */
@Injectable()
export class EncoderSelector {
  private readonly logger = new Logger(EncoderSelector.name);
  private readonly hardware: FfmpegCommandBuilder | null;
  private failure: { at: number; reason: string } | null = null;
  private readonly preset: string;

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) options: TranscodeModuleOptions,
    private readonly software: FfmpegCommandBuilder,
    private readonly clock: Clock,
  ) {
    const accelerator = options.hwaccel ?? 'none';
    this.hardware = accelerator === 'none' ? null : commandBuilderFor(accelerator, options.hwaccelDevice);
    this.preset = options.ffmpegPreset;
  }

  /**
   * The codec (RFC 6381) a master playlist names for an encoded session of this node: what
   * libx264 writes at FFMPEG_PRESET, or, with a hardware encoder configured, a codec that covers
   * it and libx264 both, as any run of a session may be made by either (the hardware one, or
   * libx264 after it fails), and the playlist is answered before the first.
   */
  videoCodec(): string {
    const software = encodedVideoCodec(this.software.videoEncoder, this.preset);
    return this.hardware ? coveringVideoCodec([encodedVideoCodec(this.hardware.videoEncoder, this.preset), software]) : software;
  }

  /**
   * Whether a new run may use the hardware encoder now: one is configured and has not failed
   * lately (a session whose hardware run failed stays in software: the scheduler knows that).
   */
  hardwareAllowed(): boolean {
    return isHardwareAllowed({
      hardwareConfigured: this.hardware !== null,
      lastHardwareFailureAt: this.failure?.at ?? null,
      now: this.clock.now(),
      retryAfterMs: HARDWARE_RETRY_AFTER_MS,
    });
  }

  /** The command builder of a run the scheduler gave the hardware or not, and the name of its video encoder. */
  encoderFor(hardware: boolean, videoMode: 'encode' | 'copy' | 'fast'): { builder: FfmpegCommandBuilder; videoEncoder: string } {
    const builder = hardware && this.hardware ? this.hardware : this.software;
    return { builder, videoEncoder: runVideoEncoder(videoMode, builder.videoEncoder) };
  }

  /** A hardware run made a segment: the GPU works. */
  hardwareWorked(): void {
    if (this.failure) this.logger.log(`the ${this.hardware?.videoEncoder} encoder works again`);
    this.failure = null;
  }

  /** A session fell back and its software run worked: the hardware, not the recording, was at fault. */
  hardwareFailed(reason: string): void {
    if (!this.failure) this.logger.warn(`hardware encoder ${this.hardware?.videoEncoder} failed; using libx264: ${reason}`);
    this.failure = { at: this.clock.now(), reason };
  }

  /** What /health says of the encoder: which one new sessions get, and whether the hardware one is degraded. */
  status(): EncoderStatus {
    return encoderStatusOf({
      hwaccel: this.hardware?.accelerator ?? 'none',
      hardwareEncoder: this.hardware?.videoEncoder ?? null,
      softwareEncoder: this.software.videoEncoder,
      failure: this.failure,
      now: this.clock.now(),
      retryAfterMs: HARDWARE_RETRY_AFTER_MS,
    });
  }
}
