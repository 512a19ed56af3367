import type { FfmpegProgress, ProcessExit, SupervisedProcess } from '@app/ffmpeg';

/**
 * One ffmpeg process of a session, from the segment it started at: the process side of a run.
 * Where the run is (its next segment, whether it is stopping or paused) is the scheduler's state,
 * not this.
 */
export interface EncoderRun {
  /** Counts up per session; names the run's files so runs never overwrite each other. */
  readonly id: number;
  readonly process: SupervisedProcess;
  readonly startIndex: number;
  /** The ffmpeg video encoder of the run (libx264, h264_vaapi, …; `copy` for a copied stream). */
  readonly videoEncoder: string;
  /** Set once the process has ended. */
  exit: ProcessExit | null;
  progress: FfmpegProgress | null;
  /** When the last progress report came (epoch ms), and how many pauses the process had then. */
  progressAt: number | null;
  progressPauseCount: number;
}
