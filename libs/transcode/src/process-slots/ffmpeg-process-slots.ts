import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { SlotHolderView, chooseRunToPreempt } from './preemption';

/** A run that holds a slot: how it looks to the limit, and how to take its slot away. */
export interface SlotHolder {
  view(): Omit<SlotHolderView, 'key'>;
  /** Stop the run; its slot is released when its process has exited. */
  preempt(): void;
}

/** A run no request came near for this long counts as idle: it is preempted first. */
export const PREEMPT_IDLE_AFTER_MS = 10_000;

/**
 * The hard cap on ffmpeg processes, running and paused together (MAX_FFMPEG_PROCESSES). Every
 * run of every session takes a slot before it is spawned and gives it back when its process
 * has exited, so the number of processes never exceeds the cap. When no slot is free, the
 * least valuable run is preempted and its slot handed straight to the run that asked.
 */
@Injectable()
export class FfmpegProcessSlots {
  private readonly logger = new Logger(FfmpegProcessSlots.name);
  private readonly holders = new Map<string, SlotHolder>();
  /** Runs being preempted: each one's slot goes to the run that asked, not to the pool. */
  private readonly preempting = new Map<string, () => void>();
  /** Slots handed over and not yet taken by the run they were handed to. */
  private handedOver = 0;

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly clock: Clock,
  ) {}

  get limit(): number {
    return this.options.maxFfmpegProcesses ?? Math.max(1, this.options.maxConcurrentTranscodes * 2);
  }

  /** Slots taken or promised. */
  get inUse(): number {
    return this.holders.size + this.handedOver;
  }

  /**
   * Takes a slot for `key`: at once when one is free, after preempting the least valuable run
   * when not, and false when no run may be preempted.
   */
  async acquire(key: string, holder: SlotHolder): Promise<boolean> {
    if (this.inUse < this.limit) {
      this.holders.set(key, holder);
      return true;
    }
    const views = [...this.holders].filter(([held]) => !this.preempting.has(held)).map(([held, h]) => ({ key: held, ...h.view() }));
    const victim = chooseRunToPreempt(views, this.clock.now(), PREEMPT_IDLE_AFTER_MS);
    if (!victim) return false;
    const handedOver = new Promise<void>((resolve) => this.preempting.set(victim.key, resolve));
    this.logger.log(`process limit (${this.limit}) reached: preempting ${victim.key} for ${key}`);
    this.holders.get(victim.key)!.preempt();
    await handedOver;
    this.handedOver -= 1;
    this.holders.set(key, holder);
    return true;
  }

  /** The process of `key` has exited: its slot is free (or handed to the run that preempted it). */
  release(key: string): void {
    if (!this.holders.delete(key)) return;
    const handOver = this.preempting.get(key);
    if (!handOver) return;
    this.preempting.delete(key);
    this.handedOver += 1;
    handOver();
  }
}
