import type { TimelinePiece } from '@app/recordings';
import { sourceFormatKey } from './output-format';
import { framesOnTimeline } from './segment-plan';
import { HOUR_SECONDS, HourTimeline } from './hour-timeline';

/** One segment of a track: the frames between two cut points of its hour's timeline. */
export interface GridSegment {
  /** Its place on the grid of its hour's timeline, from 0. */
  index: number;
  /** The piece (recording) its first frame is in. */
  pieceIndex: number;
  /** Its first frame, seconds on the hour's timeline (nominal where frame times are unknown). */
  startSeconds: number;
  /**
   * Where ffmpeg cuts before it, on the timeline: just before its first frame (half-way to the
   * frame before when that is closer than 5 ms), never on a frame; at a change of format, the
   * recording's start (no run reads across it).
   */
  cutSeconds: number;
  /** Until the next segment's first frame (the timeline's end for the last). */
  durationSeconds: number;
  /** The camera's time of its first frame, epoch ms. */
  wallClockStartMs: number;
  /** It is the first segment of its recording. */
  startsRecording?: true;
  /** The recordings change format here (codec, picture size, audio). */
  startsNewFormat?: true;
}

/** How a track's timeline is cut. */
export interface GridOptions {
  /** Seconds of camera time between grid lines (a fast rendition's: its segment length times its speed). */
  lineSeconds: number;
  /**
   * The frames a segment may start at, on the timeline, per piece (ascending): every frame when
   * the encoder forces keyframes (the default), a copied stream's keyframes, a fast rendition's
   * output frames. Null: unknown (nominal cut points).
   */
  candidates?: (piece: TimelinePiece, pieceIndex: number) => number[] | null;
}

/** A cut lies this far before its frame at most (half the gap to the previous frame if less). */
const CUT_MARGIN_SECONDS = 0.005;
/** Two times closer than this are the same instant (sums of float durations differ by less). */
const SAME_INSTANT_SECONDS = 1e-6;

/**
 * Pure: the camera-absolute grid of an hour's timeline (design: docs/design/tracks.md). A cut
 * point depends only on the recordings and the rendition, never on a range:
 * 1. every recording starts a segment, at its first candidate (Frigate cuts its files at
 *    keyframes; a recording's start is also where the camera's clock may jump);
 * 2. inside a recording, a segment starts at the first candidate at or after every multiple of
 *    `lineSeconds` of camera time (the recording's start time plus the frame's time in it),
 *    epoch-aligned, so 10:04:30 is a cut for every range and every node;
 * 3. no sliver: a line's cut less than half a line from the recording's own start or the next
 *    recording's is dropped, except at a whole hour (where ranges of Frigate's History start).
 * Each segment's wall clock is its first frame's camera time, and its duration runs to the next
 * segment's first frame.
 */
export function planTrackGrid(timeline: HourTimeline, { lineSeconds, candidates = framesOnTimeline }: GridOptions): GridSegment[] {
  const pieces = timeline.pieces;
  const candidateLists = pieces.map((piece, index) => candidates(piece, index));
  const starts: Omit<GridSegment, 'index' | 'durationSeconds'>[] = [];
  let previousCandidate = -Infinity;
  for (const [pieceIndex, piece] of pieces.entries()) {
    const frames = candidateLists[pieceIndex];
    const pieceEnd = piece.timelineOffsetSeconds + piece.durationSeconds;
    const cameraAt = (time: number) => piece.fileStartTime + piece.inpointSeconds + (time - piece.timelineOffsetSeconds);
    const timelineAt = (camera: number) => piece.timelineOffsetSeconds + (camera - piece.fileStartTime - piece.inpointSeconds);
    const newFormat = pieceIndex > 0 && sourceFormatKey(piece) !== sourceFormatKey(pieces[pieceIndex - 1]);
    const times = frames ?? [piece.timelineOffsetSeconds];
    if (times.length === 0) continue;
    // Where the next recording starts: a line's cut too close before it would leave a sliver.
    const nextStart = nextRecordingStart(candidateLists, pieces, pieceIndex);
    const cutBefore = (frame: number, previous: number) => frame - Math.min(CUT_MARGIN_SECONDS, (frame - previous) / 2);
    const first = times[0];
    starts.push({
      pieceIndex,
      startSeconds: first,
      cutSeconds: newFormat || frames === null ? piece.timelineOffsetSeconds : Math.max(0, cutBefore(first, previousCandidate)),
      wallClockStartMs: Math.round(cameraAt(first) * 1000),
      startsRecording: true,
      ...(newFormat ? { startsNewFormat: true as const } : {}),
    });
    let lastStart = first;
    let line = (Math.floor(cameraAt(first) / lineSeconds + SAME_INSTANT_SECONDS) + 1) * lineSeconds;
    const lastCamera = cameraAt(frames === null ? pieceEnd : times[times.length - 1]);
    let frameIndex = 0;
    while (line <= lastCamera + SAME_INSTANT_SECONDS) {
      let frame: number;
      if (frames === null) {
        frame = timelineAt(line);
        if (frame >= pieceEnd - SAME_INSTANT_SECONDS) break;
      } else {
        while (frameIndex < times.length && cameraAt(times[frameIndex]) < line - SAME_INSTANT_SECONDS) frameIndex += 1;
        if (frameIndex >= times.length) break;
        frame = times[frameIndex];
      }
      const wholeHour = Math.abs(line / HOUR_SECONDS - Math.round(line / HOUR_SECONDS)) * HOUR_SECONDS < SAME_INSTANT_SECONDS;
      const sliver = frame - lastStart < lineSeconds / 2 || nextStart - frame < lineSeconds / 2;
      if (frame > lastStart + SAME_INSTANT_SECONDS && (wholeHour || !sliver)) {
        const previous = frames === null ? frame : times[frameIndex - 1];
        starts.push({
          pieceIndex,
          startSeconds: frame,
          cutSeconds: frames === null ? frame : cutBefore(frame, previous),
          wallClockStartMs: Math.round(cameraAt(frame) * 1000),
        });
        lastStart = frame;
      }
      line += lineSeconds;
    }
    previousCandidate = frames === null ? -Infinity : times[times.length - 1];
  }
  return starts.map((start, index) => ({
    ...start,
    index,
    durationSeconds: (index + 1 < starts.length ? starts[index + 1].startSeconds : timeline.durationSeconds) - start.startSeconds,
  }));
}

/** Where the recording after `pieceIndex` starts (its first candidate), or the timeline's end. */
function nextRecordingStart(candidateLists: readonly (number[] | null)[], pieces: readonly TimelinePiece[], pieceIndex: number): number {
  for (let next = pieceIndex + 1; next < pieces.length; next += 1) {
    const frames = candidateLists[next];
    if (frames === null) return pieces[next].timelineOffsetSeconds;
    if (frames.length > 0) return frames[0];
  }
  const last = pieces[pieces.length - 1];
  return last.timelineOffsetSeconds + last.durationSeconds;
}

/** Pure: the grid segment that holds `seconds` of the timeline (the last that starts at or before it). */
export function gridSegmentAt(grid: readonly GridSegment[], seconds: number): number {
  let low = 0;
  let high = grid.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (grid[middle].startSeconds <= seconds + SAME_INSTANT_SECONDS) low = middle;
    else high = middle - 1;
  }
  return low;
}
