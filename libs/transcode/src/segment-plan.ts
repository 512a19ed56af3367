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

/** Segments shorter than this at the very end are folded into the one before. */
const MIN_LAST_SEGMENT_SECONDS = 0.1;

/**
 * Pure: the whole range cut into segments of the configured length, known before any
 * transcoding, so the playlist can be complete (VOD) from the first response.
 */
export function planSegments(timeline: RecordingTimeline, segmentSeconds: number): PlannedSegment[] {
  const total = timeline.durationSeconds;
  const segments: PlannedSegment[] = [];
  for (let start = 0, index = 0; start < total - 1e-6; start += segmentSeconds, index += 1) {
    let duration = Math.min(segmentSeconds, total - start);
    if (total - (start + duration) < MIN_LAST_SEGMENT_SECONDS) duration = total - start;
    segments.push({
      index,
      timelineStartSeconds: start,
      durationSeconds: duration,
      wallClockStartMs: Math.round(wallClockAt(timeline, start) * 1000),
    });
    if (start + duration >= total) break;
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
