import type { InputListEntry } from '@app/ffmpeg';
import type { RecordingTimeline, TimelinePiece } from '@app/recordings';

/** What one encoder run reads: the pieces of its input list and where in it to start. */
export interface EncoderInput {
  entries: InputListEntry[];
  /** Seconds into the list where the run's first segment begins (input -ss). */
  inputOffsetSeconds: number;
  /** The piece the run starts in: its format is the run's (a run never reads across a change). */
  firstPiece: TimelinePiece;
}

/**
 * Pure: the input of a run that starts `startSeconds` into the session's timeline (and ends at
 * `endSeconds`). The list
 * begins at the recording that holds that moment, so ffmpeg's seek stays inside one file: a
 * seek into the concat demuxer's whole timeline fails on some files (video-only HEVC MP4, seen
 * with ffmpeg 5.1) and then falls back to decoding everything before the target.
 */
export function planEncoderInput(timeline: RecordingTimeline, startSeconds: number, endSeconds = Infinity): EncoderInput {
  const pieces = timeline.pieces;
  const first = pieceIndexAt(timeline, startSeconds);
  // Files from where the run ends on are left out: the run never opens one (another format, say).
  let last = first + 1;
  while (last < pieces.length && pieces[last].timelineOffsetSeconds < endSeconds - 1e-6) last += 1;
  const entries = pieces.slice(first, last).map((piece) => {
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
  return {
    entries,
    inputOffsetSeconds: Math.max(0, piece.inpointSeconds + (startSeconds - piece.timelineOffsetSeconds)),
    firstPiece: piece,
  };
}

/** Pure: the index of the piece that holds `seconds` of the timeline (a piece holds its own start). */
export function pieceIndexAt(timeline: RecordingTimeline, seconds: number): number {
  const pieces = timeline.pieces;
  let low = 0;
  let high = pieces.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (pieces[middle].timelineOffsetSeconds <= seconds + 1e-6) low = middle;
    else high = middle - 1;
  }
  return low;
}
