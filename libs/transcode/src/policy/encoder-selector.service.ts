import { Inject, Injectable, Logger } from '@nestjs/common';
import { FfmpegCommandBuilder, commandBuilderFor } from '@app/ffmpeg';
import { Clock } from '../clock';
import { chooseEncoderKind } from './encoder-choice';
import { coveringVideoCodec, encodedVideoCodec } from '../plan/output-format';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';

/** After a hardware failure, new sessions use software for this long before trying the GPU again. */
export const HARDWARE_RETRY_AFTER_MS = 5 * 60_000;

/** What /health says about the encoder. */
export interface EncoderStatus {
  /** FFMPEG_HWACCEL, resolved (`none` for software). */
  hwaccel: string;
  /** The ffmpeg encoder new sessions get now. */
  encoder: string;
  /** The hardware encoder failed to start and sessions fell back to software. */
  degraded: boolean;
  reason?: string;
  /** When it last failed (ISO time). */
  since?: string;
}

/**
 * Picks the command builder (hardware or software) of each encoder run and remembers how the
 * hardware fared: a hardware run that ends before its first segment is retried in software by
 * the session scheduler, and once that software run works the hardware is reported as degraded.
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
    const kind = chooseEncoderKind({
      hardwareConfigured: this.hardware !== null,
      sessionFellBack: false,
      lastHardwareFailureAt: this.failure?.at ?? null,
      now: this.clock.now(),
      retryAfterMs: HARDWARE_RETRY_AFTER_MS,
    });
    return kind === 'hardware';
  }

  builderFor(kind: 'hardware' | 'software'): FfmpegCommandBuilder {
    return kind === 'hardware' && this.hardware ? this.hardware : this.software;
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

  status(): EncoderStatus {
    const hwaccel = this.hardware?.accelerator ?? 'none';
    if (!this.hardware) return { hwaccel, encoder: this.software.videoEncoder, degraded: false };
    if (!this.failure) return { hwaccel, encoder: this.hardware.videoEncoder, degraded: false };
    const retrying = this.clock.now() - this.failure.at >= HARDWARE_RETRY_AFTER_MS;
    return {
      hwaccel,
      encoder: retrying ? this.hardware.videoEncoder : this.software.videoEncoder,
      degraded: true,
      reason: this.failure.reason,
      since: new Date(this.failure.at).toISOString(),
    };
  }
}
