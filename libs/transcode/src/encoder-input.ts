import type { InputListEntry } from '@app/ffmpeg';
import type { RecordingTimeline } from '@app/recordings';

/** What one encoder run reads: the pieces of its input list and where in it to start. */
export interface EncoderInput {
  entries: InputListEntry[];
  /** Seconds into the list where the run's first segment begins (input -ss). */
  inputOffsetSeconds: number;
}

/**
 * Pure: the input of a run that starts `startSeconds` into the session's timeline. The list
 * begins at the recording that holds that moment, so ffmpeg's seek stays inside one file: a
 * seek into the concat demuxer's whole timeline fails on some files (video-only HEVC MP4, seen
 * with ffmpeg 5.1) and then falls back to decoding everything before the target.
 */
export function planEncoderInput(timeline: RecordingTimeline, startSeconds: number): EncoderInput {
  const pieces = timeline.pieces;
  let first = 0;
  while (first + 1 < pieces.length && pieces[first + 1].timelineOffsetSeconds <= startSeconds + 1e-6) first += 1;
  const entries = pieces.slice(first).map((piece) => {
    const usedSeconds = piece.inpointSeconds + piece.durationSeconds;
    return {
      path: piece.path,
      ...(piece.initSegmentUri ? { initSegmentUri: piece.initSegmentUri } : {}),
      // The file's length on the list's timeline: where the next file starts (gaps collapse).
      durationSeconds: usedSeconds,
      // Stop reading a file early only where the range (or the next file) cuts it.
      outpointSeconds: usedSeconds < piece.fileDurationSeconds - 0.001 ? usedSeconds : undefined,
    };
  });
  const piece = pieces[first];
  // Float sums of durations can put the start a hair before the piece chosen: never seek negative.
  return { entries, inputOffsetSeconds: Math.max(0, piece.inpointSeconds + (startSeconds - piece.timelineOffsetSeconds)) };
}
