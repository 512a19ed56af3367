import type { RecordingTimeline, TimelinePiece } from '@app/recordings';
import { sourceFormatKey } from './output-format';

/** One segment of a session's VOD playlist. */
export interface PlannedSegment {
  index: number;
  /**
   * Where it starts on the collapsed timeline, seconds: the time of its first frame (0 for the
   * first segment, whose first frame may come a moment after the range's start).
   */
  timelineStartSeconds: number;
  /** Until the next segment's first frame (the range's end for the last one): its EXTINF. */
  durationSeconds: number;
  /** Wall-clock time of its first frame, epoch ms (for EXT-X-PROGRAM-DATE-TIME). */
  wallClockStartMs: number;
  /**
   * Where ffmpeg cuts before it, seconds on the timeline: between its first frame and the frame
   * before, never on a frame, so that a rounding error cannot move the cut by one frame. A run
   * that starts at this segment reads from here; other runs force a keyframe here.
   */
  cutSeconds: number;
  /**
   * The recordings change format here (codec, picture size, audio): no run reads across it, as
   * ffmpeg's concat demuxer keeps the first file's streams. Its cut is the recording's start.
   */
  startsNewFormat?: true;
  /**
   * A run that makes it ends here (seconds on the timeline: the next piece's cut, or the range's
   * end), whatever the plan holds after it: a session's own head or tail over a track (design:
   * docs/design/tracks.md), whose next entry is the track's to make.
   */
  runEndSeconds?: number;
}

/** How a range is cut (see planSegments). */
export interface SegmentPlanOptions {
  /**
   * The frames a segment may start at, on the timeline (ascending), per piece: every frame when
   * the encoder forces keyframes (the default); a copied stream's keyframes; a fast rendition's
   * output frames. Null: unknown (nominal boundaries).
   */
  boundaryCandidates?: (piece: TimelinePiece, pieceIndex: number) => number[] | null;
  /** The first segment's length (a fast rendition's is the speed times longer: its output is as short). */
  firstSegmentSeconds?: number;
  /** The first segment starts at the first candidate, not at the range's start (nothing before it is shown). */
  startAtFirstCandidate?: boolean;
  /**
   * How far the camera's clock may wander inside a segment (see fixedBoundaries), in seconds of
   * recordings: half an output frame. Default: half the source's frame interval, piece by piece.
   */
  clockToleranceSeconds?: number;
}

/**
 * The first segment is this short (at most): it is what a viewer waits for before anything
 * plays, and half the frames to decode and encode is half the wait.
 */
export const FIRST_SEGMENT_SECONDS = 1;
/** A last segment shorter than this is folded into the one before (it may hold a frame or two). */
const MIN_LAST_SEGMENT_SECONDS = 0.5;
/** A cut lies this far before its frame at most (half the gap to the previous frame if less). */
const CUT_MARGIN_SECONDS = 0.005;
/** Two times closer than this are the same instant (sums of float durations differ by less). */
const SAME_INSTANT_SECONDS = 1e-6;
/** A recording whose frame times are unknown: half a frame of 30 fps, the usual fastest camera. */
const UNKNOWN_RATE_TOLERANCE_SECONDS = 1 / 60;

/** A place where a segment starts: its first frame, its cut, and whether a new format starts there. */
interface Boundary {
  start: number;
  cut: number;
  startsNewFormat?: true;
}

/**
 * Pure: the whole range cut into segments of about the configured length, known before any
 * transcoding, so the playlist can be complete (VOD) from the first response.
 *
 * Each boundary is a real frame: the first frame at or after the nominal boundary (the first
 * segment's length, then the segment length counted from the last boundary), from the frame times
 * in the recordings' headers. So every segment's EXTINF is its real length, PROGRAM-DATE-TIME is
 * its first frame's camera time, and a run that starts at a segment begins with exactly the frame
 * a run from the start cuts there, whatever the frame rate, its jitter, or the file lengths. Where
 * a recording's frame times are unknown (an upstream VOD segment), boundaries stay nominal and
 * the cut lands on the next frame, at most a frame later.
 *
 * Some boundaries come before the grid (fixedBoundaries): where the format changes, and where the
 * camera's clock jumps (a gap, an overlap, a file shorter or longer than the next one's name
 * says), so that no segment spans a jump and every frame of a segment is at its
 * PROGRAM-DATE-TIME plus its offset. The grid starts again from each; a grid boundary that would
 * leave a sliver before one (under half a segment, 0.5 s at most) is left out, and the segment
 * before runs on to it.
 */
export function planSegments(timeline: RecordingTimeline, segmentSeconds: number, options: SegmentPlanOptions = {}): PlannedSegment[] {
  const { boundaryCandidates = framesOnTimeline, firstSegmentSeconds = FIRST_SEGMENT_SECONDS } = options;
  const total = timeline.durationSeconds;
  if (timeline.pieces.length === 0) return [];
  const candidates = timeline.pieces.map((piece, index) => boundaryCandidates(piece, index));
  const fixed = fixedBoundaries(timeline, candidates, options.clockToleranceSeconds);
  const sliver = Math.min(MIN_LAST_SEGMENT_SECONDS, segmentSeconds / 2);
  const boundaries: Boundary[] = [{ start: 0, cut: 0 }];
  let next = Math.min(firstSegmentSeconds, segmentSeconds);
  const firstCandidate = options.startAtFirstCandidate ? firstCandidateOf(timeline, candidates) : undefined;
  if (firstCandidate !== undefined && firstCandidate > 0) {
    // Nothing before it can be shown (a copied stream starts at a keyframe): the range's video starts there.
    boundaries[0] = { start: firstCandidate, cut: Math.max(0, firstCandidate - CUT_MARGIN_SECONDS) };
    next = firstCandidate + Math.min(firstSegmentSeconds, segmentSeconds);
  }
  let fixedIndex = 0;
  /** Places the fixed boundaries up to `time`; the grid counts on from each. */
  const placeFixedUpTo = (time: number): void => {
    for (; fixedIndex < fixed.length && fixed[fixedIndex].start <= time + SAME_INSTANT_SECONDS; fixedIndex += 1) {
      const boundary = fixed[fixedIndex];
      if (boundary.start > boundaries[boundaries.length - 1].start + SAME_INSTANT_SECONDS) boundaries.push(boundary);
      next = boundary.start + segmentSeconds;
    }
  };
  /** A grid boundary, unless it leaves a sliver before the next fixed one or a tail under 0.5 s. */
  const addGridBoundary = (start: number, cut: number): void => {
    if (fixedIndex < fixed.length && fixed[fixedIndex].start - start < sliver) return;
    if (total - start < MIN_LAST_SEGMENT_SECONDS) {
      next = Infinity;
      return;
    }
    boundaries.push({ start, cut });
    next = start + segmentSeconds;
  };
  let previousFrame = -Infinity;
  for (const [pieceIndex, piece] of timeline.pieces.entries()) {
    const frames = candidates[pieceIndex];
    if (!frames) {
      // Unknown frame times: nominal boundaries (ffmpeg cuts at the first frame at or after them).
      placeFixedUpTo(piece.timelineOffsetSeconds);
      const end = piece.timelineOffsetSeconds + piece.durationSeconds;
      while (next < end - SAME_INSTANT_SECONDS) {
        const before = boundaries.length;
        addGridBoundary(next, next);
        // Left out (a sliver before a fixed boundary, which lies beyond this piece): so are the rest.
        if (boundaries.length === before && next !== Infinity) break;
      }
      previousFrame = -Infinity;
      continue;
    }
    for (const frame of frames) {
      placeFixedUpTo(frame);
      if (frame >= next - SAME_INSTANT_SECONDS && frame > boundaries[boundaries.length - 1].start + SAME_INSTANT_SECONDS) {
        addGridBoundary(frame, frame - Math.min(CUT_MARGIN_SECONDS, (frame - previousFrame) / 2));
      }
      previousFrame = frame;
    }
  }
  // A change of format into recordings with no frame to start at still ends the run before it.
  placeFixedUpTo(Infinity);
  return boundaries.map((boundary, index) => {
    const end = index + 1 < boundaries.length ? boundaries[index + 1].start : total;
    return {
      index,
      timelineStartSeconds: boundary.start,
      durationSeconds: end - boundary.start,
      wallClockStartMs: Math.round(wallClockAt(timeline, boundary.start) * 1000),
      cutSeconds: Math.max(0, boundary.cut),
      ...(boundary.startsNewFormat ? { startsNewFormat: true as const } : {}),
    };
  });
}

/**
 * Pure: how far the camera's clock jumps where `piece` follows `previous` on the timeline, in
 * seconds (0 where it runs on): a frame's camera time is its file's name plus its time in the
 * file, and the timeline plays each file for its duration. A gap is a jump forward, a restarted
 * recorder's overlapping file one back, and so is a file longer than the gap between its name and
 * the next one's (a whole-second name, or audio longer than the video).
 */
export function clockJumpSeconds(previous: TimelinePiece, piece: TimelinePiece): number {
  return piece.fileStartTime + piece.inpointSeconds - (previous.fileStartTime + previous.inpointSeconds + previous.durationSeconds);
}

/**
 * Pure: the boundaries that come before the grid, in timeline order:
 * - where the recordings change format (codec, picture size, audio): at the new recording's
 *   first candidate, cut at its file start, as no run reads across it (ffmpeg's concat demuxer
 *   keeps the first file's streams);
 * - where the camera's clock jumps (clockJumpSeconds) so far that a segment across it would show
 *   a frame more than `tolerance` away from its PROGRAM-DATE-TIME plus its offset: at the first
 *   candidate at or after the jump (a copied stream's next keyframe, should a file not start on
 *   one; a fast rendition's next output frame), cut just before it as any boundary. A run reads
 *   across it and forces a keyframe there.
 *
 * Small jumps add up: the clock's offset is followed from one fixed boundary to the next, and a
 * boundary falls where its spread (highest less lowest) passes the tolerance, so no segment
 * between two fixed boundaries is off by more, wherever the grid cuts.
 */
function fixedBoundaries(timeline: RecordingTimeline, candidates: readonly (number[] | null)[], tolerance?: number): Boundary[] {
  const fixed: Boundary[] = [];
  const pieces = timeline.pieces;
  let offset = 0;
  let lowest = 0;
  let highest = 0;
  let jumped = false;
  let previousCandidate = -Infinity;
  for (const [index, piece] of pieces.entries()) {
    const frames = candidates[index];
    if (index > 0 && sourceFormatKey(piece) !== sourceFormatKey(pieces[index - 1])) {
      fixed.push({ start: frames?.[0] ?? piece.timelineOffsetSeconds, cut: piece.timelineOffsetSeconds, startsNewFormat: true });
      jumped = false;
      offset = lowest = highest = 0;
    } else if (index > 0) {
      offset += clockJumpSeconds(pieces[index - 1], piece);
      lowest = Math.min(lowest, offset);
      highest = Math.max(highest, offset);
      if (highest - lowest > (tolerance ?? halfFrameOf(piece)) + SAME_INSTANT_SECONDS) jumped = true;
    }
    // Placed at this piece's first candidate, or (none here: a copied file that holds no
    // keyframe, a fast rendition that keeps none of its frames) at the next piece's.
    const first = frames === null ? piece.timelineOffsetSeconds : frames[0];
    if (jumped && first !== undefined) {
      const cut = frames === null ? first : first - Math.min(CUT_MARGIN_SECONDS, (first - previousCandidate) / 2);
      fixed.push({ start: first, cut });
      jumped = false;
      offset = lowest = highest = 0;
    }
    previousCandidate = frames === null ? -Infinity : (frames[frames.length - 1] ?? previousCandidate);
  }
  return fixed;
}

/** Half the interval between a piece's frames (from its header), or of 30 fps when unknown. */
function halfFrameOf(piece: TimelinePiece): number {
  const times = piece.media?.video?.frameTimes;
  if (!times || times.length < 2) return UNKNOWN_RATE_TOLERANCE_SECONDS;
  const interval = (times[times.length - 1] - times[0]) / (times.length - 1);
  return interval > 0 ? interval / 2 : UNKNOWN_RATE_TOLERANCE_SECONDS;
}

/**
 * The first candidate of the range's first format: in a later file when the first holds none (a
 * range that starts after its first file's last keyframe). Undefined when that format has none.
 */
function firstCandidateOf(timeline: RecordingTimeline, candidates: readonly (number[] | null)[]): number | undefined {
  const format = sourceFormatKey(timeline.pieces[0]);
  for (const [index, piece] of timeline.pieces.entries()) {
    if (sourceFormatKey(piece) !== format) return undefined;
    const times = candidates[index];
    if (times === null) return undefined;
    if (times.length > 0) return times[0];
  }
  return undefined;
}

/**
 * Pure: the times of a piece's video frames on the timeline, ascending, or null when its header
 * gave none. The concat demuxer maps a file's time t to (where the piece starts) + t − inpoint,
 * and plays the frames from the in point until the next file starts.
 */
export function framesOnTimeline(piece: TimelinePiece): number[] | null {
  return timesOnTimeline(piece, piece.media?.video?.frameTimes);
}

/** Pure: the times of a piece's keyframes on the timeline (see framesOnTimeline), or null when its header gave none. */
export function keyframesOnTimeline(piece: TimelinePiece): number[] | null {
  return timesOnTimeline(piece, piece.media?.video?.keyframeTimes);
}

function timesOnTimeline(piece: TimelinePiece, times: Float64Array | undefined): number[] | null {
  if (!times || times.length === 0) return null;
  const from = piece.inpointSeconds - SAME_INSTANT_SECONDS;
  const to = piece.inpointSeconds + piece.durationSeconds - SAME_INSTANT_SECONDS;
  const frames: number[] = [];
  for (const time of times) {
    if (time >= from && time < to) frames.push(piece.timelineOffsetSeconds + (time - piece.inpointSeconds));
  }
  return frames;
}

/** Pure: the wall-clock time (epoch seconds) shown at a point of the collapsed timeline. */
export function wallClockAt(timeline: RecordingTimeline, offsetSeconds: number): number {
  const pieces = timeline.pieces;
  let piece = pieces[0];
  for (const candidate of pieces) {
    if (candidate.timelineOffsetSeconds <= offsetSeconds + SAME_INSTANT_SECONDS) piece = candidate;
    else break;
  }
  return piece.fileStartTime + piece.inpointSeconds + (offsetSeconds - piece.timelineOffsetSeconds);
}

/**
 * A run makes at most this many segments (then ends; the next request starts another): its
 * keyframe times are one argument, which must stay well under Linux's 128 KiB per argument.
 */
export const MAX_SEGMENTS_PER_RUN = 1800;

/**
 * Pure: what a run that starts at segment `index` encodes: from that segment's cut to the cut of
 * the segment MAX_SEGMENTS_PER_RUN later, of the next change of format, or the range's end,
 * forcing a keyframe at every cut in between, as seconds from its own start.
 */
export function planRunSpan(segments: readonly PlannedSegment[], totalSeconds: number, index: number): { durationSeconds: number; keyframeTimes: number[] } {
  const from = segments[index].cutSeconds;
  let endIndex = index + 1;
  while (
    endIndex < segments.length &&
    endIndex < index + MAX_SEGMENTS_PER_RUN &&
    !segments[endIndex].startsNewFormat &&
    segments[endIndex - 1].runEndSeconds === undefined
  ) {
    endIndex += 1;
  }
  const endSeconds = segments[endIndex - 1].runEndSeconds ?? (endIndex < segments.length ? segments[endIndex].cutSeconds : totalSeconds);
  return {
    durationSeconds: endSeconds - from,
    keyframeTimes: segments.slice(index + 1, endIndex).map((segment) => segment.cutSeconds - from),
  };
}

/**
 * Pure: the planned segment a segment listed by ffmpeg is, from where it starts on the timeline
 * (its first frame): the last segment that starts at or before it. A cut lands on the planned
 * frame, or (frame times unknown) at most a frame after the nominal boundary, so the start
 * always falls inside the segment meant.
 */
export function segmentStartingAt(segments: readonly PlannedSegment[], startSeconds: number): number {
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (segments[middle].timelineStartSeconds <= startSeconds + 0.001) low = middle;
    else high = middle - 1;
  }
  return low;
}
