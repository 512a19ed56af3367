import type { RecordingTimeline } from '@app/recordings';

/** One segment of a session's VOD playlist. */
export interface PlannedSegment {
  index: number;
  /** Where it starts on the collapsed timeline, seconds. */
  timelineStartSeconds: number;
  durationSeconds: number;
  /** Wall-clock time of its first frame, epoch ms (for EXT-X-PROGRAM-DATE-TIME). */
  wallClockStartMs: number;
}

/**
 * A tail shorter than this after the last boundary is left out of the plan: it may hold no frame
 * at all, and the plan's boundaries must stay exactly where ffmpeg cuts (folding the tail into the
 * segment before would not match the cut ffmpeg makes at the boundary).
 */
const MIN_LAST_SEGMENT_SECONDS = 0.2;
/**
 * The first segment is this short (at most): it is what a viewer waits for before anything
 * plays, and half the frames to decode and encode is half the wait.
 */
export const FIRST_SEGMENT_SECONDS = 1;

/**
 * Pure: the whole range cut into segments of the configured length, known before any
 * transcoding, so the playlist can be complete (VOD) from the first response.
 */
export function planSegments(timeline: RecordingTimeline, segmentSeconds: number): PlannedSegment[] {
  const total = timeline.durationSeconds;
  const segments: PlannedSegment[] = [];
  for (let start = 0, index = 0; start < total - 1e-6; index += 1) {
    const length = index === 0 ? Math.min(FIRST_SEGMENT_SECONDS, segmentSeconds) : segmentSeconds;
    const duration = Math.min(length, total - start);
    if (index > 0 && duration < MIN_LAST_SEGMENT_SECONDS) break;
    segments.push({
      index,
      timelineStartSeconds: start,
      durationSeconds: duration,
      wallClockStartMs: Math.round(wallClockAt(timeline, start) * 1000),
    });
    start += duration;
  }
  return segments;
}

/** Pure: the wall-clock time (epoch seconds) shown at a point of the collapsed timeline. */
export function wallClockAt(timeline: RecordingTimeline, offsetSeconds: number): number {
  const pieces = timeline.pieces;
  let piece = pieces[0];
  for (const candidate of pieces) {
    if (candidate.timelineOffsetSeconds <= offsetSeconds) piece = candidate;
    else break;
  }
  return piece.fileStartTime + piece.inpointSeconds + (offsetSeconds - piece.timelineOffsetSeconds);
}
