import { Inject, Injectable } from '@nestjs/common';
import { FfmpegCommandBuilder, FfmpegProcessSupervisor } from '@app/ffmpeg';
import { Clock } from './clock';
import type { EncoderStatus } from './policy/encoder-choice';
import { EncoderSelector } from './policy/encoder-selector.service';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from './transcode.module-definition';

/** How long the health check reuses its last ffmpeg probe. */
const FFMPEG_PROBE_CACHE_MS = 5000;

/** Whether ffmpeg can be run, and which encoder new runs get: what /health reports of it. */
@Injectable()
export class FfmpegHealth {
  private probe: { at: number; result: Promise<void> } | null = null;
  /** How the last probe that ran ended: a probe the auxiliary pool had no turn for keeps it. */
  private lastProbeWorked = false;

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly commands: FfmpegCommandBuilder,
    private readonly supervisor: FfmpegProcessSupervisor,
    private readonly selector: EncoderSelector,
    private readonly clock: Clock,
  ) {}

  /**
   * Probed at most every few seconds, so that a health endpoint open to anyone cannot be used
   * to make the server spawn processes.
   */
  checkCached(): Promise<void> {
    const now = this.clock.now();
    if (!this.probe || now - this.probe.at > FFMPEG_PROBE_CACHE_MS) {
      this.probe = { at: now, result: this.check() };
    }
    return this.probe.result;
  }

  async check(): Promise<void> {
    const exit = await this.supervisor.run(this.options.ffmpegPath, this.commands.buildVersionProbe(), 5000);
    // Busy is not broken: ffprobes of recordings had the pool's turns, and the last answer stands.
    if (exit.busy && this.lastProbeWorked) return;
    this.lastProbeWorked = exit.code === 0;
    if (exit.code !== 0) {
      throw new Error(exit.spawnError ?? `ffmpeg -version exited with code ${exit.code}`);
    }
  }

  /** Which encoder new sessions get, and whether the hardware one has fallen back to software. */
  encoderStatus(): EncoderStatus {
    return this.selector.status();
  }
}
