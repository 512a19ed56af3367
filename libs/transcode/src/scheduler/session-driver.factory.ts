import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { EncoderSelector } from '../policy/encoder-selector.service';
import { TranscodeEvents } from '../transcode-events';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { FfmpegProcessSlots } from './ffmpeg-process-slots';
import { DriverSession, SessionDriver } from './session-driver';
import { SessionEncoderService } from './session-encoder.service';
import type { SchedulerConfig } from './session-scheduler';

/**
 * A segment this close ahead of what a run is making is waited for; further ahead, a new run
 * there is quicker. Wide enough for a player's (or several players') prefetch.
 */
const WAIT_WINDOW_SECONDS = 24;
/** An encoder this far ahead of its viewer has time to spare: it runs at the lowest priority. */
const COMFORTABLE_AHEAD_SECONDS = 12;
/** Runs per session: one per viewer position, up to this many. */
export const DEFAULT_MAX_RUNS_PER_SESSION = 3;
/** A run paused for another viewer's seek that nobody came back to stops after this long. */
const SUPERSEDED_RUN_MS = 10_000;

/** Pure: the scheduler's settings, from the module's (whether the hardware may be used is asked per step). */
export function schedulerConfigOf(options: TranscodeModuleOptions): Omit<SchedulerConfig, 'hardwareAllowed'> {
  const segment = options.segmentDurationSeconds;
  const lookaheadSegments = Math.max(1, Math.ceil(options.lookaheadSeconds / segment));
  return {
    waitWindowSegments: Math.max(2, Math.ceil(WAIT_WINDOW_SECONDS / segment)),
    lookaheadSegments,
    comfortableSegments: Math.min(lookaheadSegments, Math.ceil(COMFORTABLE_AHEAD_SECONDS / segment)),
    maxRunsPerSession: options.maxRunsPerSession ?? DEFAULT_MAX_RUNS_PER_SESSION,
    idleMs: options.idleTimeoutSeconds * 1000,
    supersededMs: Math.min(SUPERSEDED_RUN_MS, options.idleTimeoutSeconds * 1000),
    segmentWaitMs: options.segmentWaitTimeoutSeconds * 1000,
  };
}

/** Makes each session's driver with what every driver shares: the encoder, the process slots, the encoder choice, the clock, the events. */
@Injectable()
export class SessionDriverFactory {
  private readonly config: Omit<SchedulerConfig, 'hardwareAllowed'>;

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) options: TranscodeModuleOptions,
    private readonly encoders: SessionEncoderService,
    private readonly slots: FfmpegProcessSlots,
    private readonly selector: EncoderSelector,
    private readonly clock: Clock,
    private readonly events: TranscodeEvents,
  ) {
    this.config = schedulerConfigOf(options);
  }

  /** The driver of a new session's runs; `onSegmentStored` is called after every finished segment it keeps. */
  create(session: DriverSession, onSegmentStored: () => void): SessionDriver {
    const { encoders, slots, selector, clock, events, config } = this;
    return new SessionDriver(session, { encoders, slots, selector, clock, events, config, onSegmentStored });
  }
}
