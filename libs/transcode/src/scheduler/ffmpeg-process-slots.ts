import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { DEFAULT_MAX_USER_SHARE, fairShareSlots } from '../policy/fair-share';
import { SlotHolderView, chooseRunToPreempt } from '../policy/preemption';

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
 * run of every session, and every export's mux, takes a slot before it is spawned and gives it
 * back when its process has exited, so the number of processes never exceeds the cap. When no
 * slot is free, the least valuable run is preempted (from the largest holder first, and from a
 * user over their MAX_USER_SHARE for one under theirs) and its slot handed straight to the run
 * that asked.
 */
@Injectable()
export class FfmpegProcessSlots {
  private readonly logger = new Logger(FfmpegProcessSlots.name);
  private readonly holders = new Map<string, SlotHolder>();
  /** Runs being preempted: each one's slot goes to the run that asked, not to the pool. */
  private readonly preempting = new Map<string, () => void>();
  /** Slots handed over and not yet taken by the run they were handed to. */
  private handedOver = 0;
  /** The users of the runs waiting for a slot a preemption frees, by the key of the run that asked. */
  private readonly promised = new Map<string, string | undefined>();

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly clock: Clock,
  ) {}

  get limit(): number {
    return this.options.maxFfmpegProcesses ?? Math.max(1, this.options.maxConcurrentTranscodes * 2);
  }

  /** Slots one user may hold while others wait (MAX_USER_SHARE of the cap). */
  get userShare(): number {
    return fairShareSlots(this.limit, this.options.maxUserShare ?? DEFAULT_MAX_USER_SHARE);
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
    // Runs being preempted are on their way out: neither candidates nor their users' holdings.
    const views = [...this.holders].filter(([held]) => !this.preempting.has(held)).map(([held, h]) => ({ key: held, ...h.view() }));
    const requester = holder.view().owner;
    const share = { requester, slots: this.userShare, promised: [...this.promised.values()] };
    const victim = chooseRunToPreempt(views, this.clock.now(), PREEMPT_IDLE_AFTER_MS, share);
    if (!victim) return false;
    const handedOver = new Promise<void>((resolve) => this.preempting.set(victim.key, resolve));
    this.promised.set(key, requester);
    this.logger.log(`process limit (${this.limit}) reached: preempting ${victim.key} for ${key}`);
    this.holders.get(victim.key)!.preempt();
    await handedOver;
    this.handedOver -= 1;
    this.promised.delete(key);
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
