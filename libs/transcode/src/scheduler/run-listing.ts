import { PlannedSegment, segmentStartingAt } from '../plan/segment-plan';

/** A finished segment as a run's ffmpeg lists it (CSV on fd 3), with its size on disk. */
export interface RunListing {
  fileName: string;
  /** Where ffmpeg says it starts, in seconds of its output. */
  startSeconds: number;
  bytes: number;
}

/**
 * Pure: which planned segment a run's listed file is. A run's first is the one it started at
 * (ffmpeg lists its start as 0); the others by where they start on the timeline (ffmpeg's own
 * count can drift from the plan where a cut finds no frame, in a hole of the input). A fast
 * run's times are the recordings' divided by its speed. Whether the scheduler keeps it (a file
 * that starts before the run's next segment is not served) is the scheduler's to say.
 */
export function plannedIndexOfListing(
  run: { startIndex: number; nextIndex: number },
  startSeconds: number,
  plan: { segments: readonly PlannedSegment[]; speed: number },
): number {
  if (run.nextIndex === run.startIndex) return run.startIndex;
  return segmentStartingAt(plan.segments, startSeconds * plan.speed);
}
