import { RecordingFile, RecordingMedia } from './recording-source.interface';

/** The part of one recording file that falls inside a requested range. */
export interface TimelinePiece {
  path: string;
  /** For an upstream fMP4 segment: its initialization section. */
  initSegmentUri?: string;
  /** Wall-clock start of the file, epoch seconds. */
  fileStartTime: number;
  fileDurationSeconds: number;
  /** Seconds into the file where this piece begins. */
  inpointSeconds: number;
  /** Seconds of this piece that are played. */
  durationSeconds: number;
  /** Where this piece begins on the collapsed (gap-free) timeline. */
  timelineOffsetSeconds: number;
  /** The file's tracks and frame times, when its header was read. */
  media?: RecordingMedia;
}

/**
 * A requested range as one continuous timeline: the covered parts of the recordings, played
 * back to back, with gaps between files collapsed (as Frigate's VOD does).
 */
export interface RecordingTimeline {
  pieces: TimelinePiece[];
  durationSeconds: number;
}

/** Frigate leaves out a clip shorter than this (at least one frame): so does the timeline. */
export const MIN_PIECE_SECONDS = 0.1;

/**
 * Pure: which parts of which files make up [start, end), the way Frigate's VOD mapping
 * (vod_ts in frigate/api/media.py, 0.16) makes them: every file in start order, trimmed only by the range, played
 * for its whole duration. Files that overlap (names are whole seconds, and a restarted recorder
 * starts a new file before the old one's end) are not cut: each plays whole, so the player's
 * time is the sum of the files' durations, which is how Frigate's UI maps it to camera time.
 */
export function planTimeline(files: readonly RecordingFile[], start: number, end: number): RecordingTimeline {
  const pieces: TimelinePiece[] = [];
  let offset = 0;
  files.forEach((file) => {
    const playedEnd = Math.min(end, file.startTime + file.durationSeconds);
    const playedStart = Math.max(start, file.startTime);
    const duration = playedEnd - playedStart;
    if (duration < MIN_PIECE_SECONDS) return;
    pieces.push({
      path: file.path,
      ...(file.initSegmentUri ? { initSegmentUri: file.initSegmentUri } : {}),
      ...(file.media ? { media: file.media } : {}),
      fileStartTime: file.startTime,
      fileDurationSeconds: file.durationSeconds,
      inpointSeconds: playedStart - file.startTime,
      durationSeconds: duration,
      timelineOffsetSeconds: offset,
    });
    offset += duration;
  });
  return { pieces, durationSeconds: offset };
}
