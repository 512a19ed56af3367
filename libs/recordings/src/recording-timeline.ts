import { RecordingFile } from './recording-source.interface';

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
}

/**
 * A requested range as one continuous timeline: the covered parts of the recordings, played
 * back to back, with gaps between files collapsed (as Frigate's VOD does).
 */
export interface RecordingTimeline {
  pieces: TimelinePiece[];
  durationSeconds: number;
}

/**
 * Pure: which parts of which files make up [start, end). `files` must be sorted by start.
 * A file that overlaps the next one is cut where the next begins, so no moment plays twice.
 */
export function planTimeline(files: readonly RecordingFile[], start: number, end: number): RecordingTimeline {
  const pieces: TimelinePiece[] = [];
  let offset = 0;
  files.forEach((file, index) => {
    const next = files[index + 1];
    const fileEnd = file.startTime + file.durationSeconds;
    const playedEnd = Math.min(end, fileEnd, next ? Math.max(next.startTime, file.startTime) : Infinity);
    const playedStart = Math.max(start, file.startTime);
    const duration = playedEnd - playedStart;
    // Slivers shorter than a frame would only add a file switch.
    if (duration < 0.05) return;
    pieces.push({
      path: file.path,
      ...(file.initSegmentUri ? { initSegmentUri: file.initSegmentUri } : {}),
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
