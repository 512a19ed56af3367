import { rootModuleBuilder } from '@app/common';
import type { HardwareAccelerator } from '@app/ffmpeg';

export interface TranscodeModuleOptions {
  /** Where session folders (segments, concat list) live; only folders named like session ids are ever deleted. */
  transcodeDir: string;
  /** Sessions encoding at once; a new session beyond it gets 429 (joins, seeks and resumes are not refused by it). */
  maxConcurrentTranscodes: number;
  /**
   * Hard cap on ffmpeg processes, running and paused together (default: twice
   * maxConcurrentTranscodes). A run beyond it preempts the least valuable one, or gets 503.
   */
  maxFfmpegProcesses?: number;
  /**
   * The share (0 < share ≤ 1, default 0.5) of the encoder slots and of the process slots one
   * user may hold while others wait; alone, a user may use them all.
   */
  maxUserShare?: number;
  /** Live sessions one user (or address) may have created; beyond, 429. Unset: no cap. */
  maxSessionsPerUser?: number;
  /** Runs one session may have at once, one per viewer position (default 3). */
  maxRunsPerSession?: number;
  /** A session not requested (playlist or segment) for this long is stopped and deleted. */
  ttlSeconds: number;
  /** How long a create request waits for the first segment before answering 504. */
  segmentWaitTimeoutSeconds: number;
  segmentDurationSeconds: number;
  /** Longest range one session may cover. */
  maxRangeSeconds: number;
  /** Output is scaled down to at most this height, never up. */
  outputMaxHeight: number;
  ffmpegPath: string;
  /** x264 preset (of the software encoder, and of the fallback when the hardware one fails). */
  ffmpegPreset: string;
  /** Browser-playable H.264 is copied, not encoded (default true). */
  remuxH264?: boolean;
  /** Ranges of one camera hour, encoded at 1×, are views of a shared track (default false: see SHARED_TRACKS). */
  sharedTracks?: boolean;
  /** Hardware accelerator for decode, scale and encode (default `none`: libx264 on the CPU). */
  hwaccel?: HardwareAccelerator;
  /** Its device: a render node (vaapi, qsv) or a GPU index (nvidia, amf). */
  hwaccelDevice?: string;
  /** The encoder pauses once it is this far ahead of the furthest segment the viewer asked for. */
  lookaheadSeconds: number;
  /** The encoder stops after this long without a request (the session stays until its TTL). */
  idleTimeoutSeconds: number;
  /**
   * Budget for segment files in transcodeDir, in bytes: beyond it, segments far behind their
   * viewers are deleted, then idle sessions; a new session that finds no room gets 507.
   * Unset: no budget (the free-space floor still applies).
   */
  maxDiskBytes?: number;
  /** Longest range one MP4 export may cover (default 1800 s); beyond, 400. */
  exportMaxSeconds?: number;
  /** New sessions one user may ask for per window (default 30 per 60 s); beyond, 429. */
  sessionCreateLimit?: number;
  sessionCreateWindowSeconds?: number;
}

export const {
  ConfigurableModuleClass: TranscodeConfigurableModule,
  MODULE_OPTIONS_TOKEN: TRANSCODE_MODULE_OPTIONS,
  OPTIONS_TYPE: TRANSCODE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TRANSCODE_ASYNC_OPTIONS_TYPE,
} = rootModuleBuilder<TranscodeModuleOptions>().build();
