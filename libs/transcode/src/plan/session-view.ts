import { MIN_PIECE_SECONDS, type TimelinePiece } from '@app/recordings';
import { HourTimeline } from './hour-timeline';
import { GridSegment, gridSegmentAt } from './track-grid';

/** Two times closer than this are the same instant (sums of float durations differ by less). */
const SAME_INSTANT_SECONDS = 1e-6;

/** The part of a range that plays from one stretch of one hour's timeline. */
export interface ViewSpan {
  timeline: HourTimeline;
  /** Where the range's part starts and ends on the timeline, seconds. */
  fromSeconds: number;
  toSeconds: number;
  /**
   * The span does not run on from the one before it in the session (another hour's timeline, or
   * a recording of the hour left out): its timestamps jump, and the playlist says so.
   */
  discontinuity: boolean;
}

/**
 * Pure: which stretches of which hours' timelines a range [start, end) plays, in order. The files
 * are those Frigate's mapping plays for the range (every recording that overlaps it by a piece's
 * worth, trimmed by it, each other whole), each from the timeline of the hour the range is in
 * when it starts playing it: the range stays on the timeline of the hour it starts in while the
 * recordings it plays belong to it (the next hour's lead-in is this hour's last recording), and
 * goes on with the next hour's timeline at that hour's own first recording.
 */
export function planViewSpans(start: number, end: number, timelines: readonly HourTimeline[]): ViewSpan[] {
  const spans: ViewSpan[] = [];
  const played = new Set<string>();
  for (const timeline of [...timelines].sort((a, b) => a.hourStart - b.hourStart)) {
    // The stretch of consecutive recordings being gathered (a holder: `close` empties it).
    const open: { stretch: { from: number; to: number; lastPiece: number } | null } = { stretch: null };
    const close = () => {
      const stretch = open.stretch;
      if (stretch) spans.push({ timeline, fromSeconds: stretch.from, toSeconds: stretch.to, discontinuity: spans.length > 0 });
      open.stretch = null;
    };
    for (const [index, piece] of timeline.pieces.entries()) {
      const key = pieceKey(piece);
      const playedFrom = Math.max(start, piece.fileStartTime);
      const playedTo = Math.min(end, piece.fileStartTime + piece.durationSeconds);
      if (played.has(key) || playedTo - playedFrom < MIN_PIECE_SECONDS) {
        // A recording the range does not play (or played from the hour before) ends a stretch.
        close();
        continue;
      }
      played.add(key);
      const from = piece.timelineOffsetSeconds + (playedFrom - piece.fileStartTime);
      const to = piece.timelineOffsetSeconds + (playedTo - piece.fileStartTime);
      const stretch = open.stretch;
      if (stretch && stretch.lastPiece === index - 1 && Math.abs(stretch.to - from) < SAME_INSTANT_SECONDS) {
        open.stretch = { from: stretch.from, to, lastPiece: index };
      } else {
        close();
        open.stretch = { from, to, lastPiece: index };
      }
    }
    close();
  }
  return spans;
}

function pieceKey(piece: TimelinePiece): string {
  return `${piece.fileStartTime}\n${piece.path}`;
}

/**
 * One entry of a session's playlist: a segment of a track as it is, or a piece of one the range
 * cuts (its head, where it starts between two cut points; its tail, where it ends between two;
 * a part, both), which the session has made for itself.
 */
export interface ViewEntry {
  kind: 'segment' | 'head' | 'tail' | 'part';
  /** Which span (of planViewSpans) it belongs to. */
  span: number;
  /** The hour whose timeline (and track) it is on. */
  hourStart: number;
  /** The grid segment it is, or is cut from. */
  gridIndex: number;
  /** Where it starts and ends on the hour's timeline, seconds (its EXTINF is the difference). */
  fromSeconds: number;
  toSeconds: number;
  /** The camera's time where it starts, epoch ms (its EXT-X-PROGRAM-DATE-TIME). */
  wallClockStartMs: number;
  /** The playlist says EXT-X-DISCONTINUITY before it. */
  discontinuity: boolean;
}

/** The frames of an hour's timeline, per piece, as a range's entries are planned. */
export interface ViewFrames {
  /** Every frame a piece shows, on the timeline (null: unknown). */
  frames(timeline: HourTimeline, piece: TimelinePiece, pieceIndex: number): number[] | null;
  /**
   * Where a head may start: null when anywhere (an encoder makes a keyframe where it is asked; a
   * head then starts at the range's start, its first frame a moment after, as a session's first
   * segment does today), else the candidates (a copied stream's keyframes).
   */
  starts(timeline: HourTimeline, piece: TimelinePiece, pieceIndex: number): number[] | null;
}

/**
 * Pure: a session's playlist over the tracks of its spans. Every grid segment wholly inside a
 * span is the track's own; where the span starts after a segment's first frame, the span's first
 * entry is a head from its first possible start (the range's start when encoded, the next
 * keyframe when copied: nothing before one can be shown) to the next cut; where it ends before a
 * segment's last frame, a tail from that segment's start to the span's end. A segment whose
 * frames all fall inside the span is the track's, even when the span starts or ends a moment
 * off its cuts (between two frames): the entry then runs from the span's start or to its end, so
 * the session's entries add up to its spans, as today's segments add up to its range.
 */
export function planViewEntries(spans: readonly ViewSpan[], gridOf: (timeline: HourTimeline) => readonly GridSegment[], frames: ViewFrames): ViewEntry[] {
  const entries: ViewEntry[] = [];
  for (const [spanIndex, span] of spans.entries()) {
    const grid = gridOf(span.timeline);
    const timeline = span.timeline;
    const framesOfSegment = (index: number, from: number, to: number): number[] | null => {
      const segment = grid[index];
      const piece = timeline.pieces[segment.pieceIndex];
      const all = frames.frames(timeline, piece, segment.pieceIndex);
      return all === null ? null : all.filter((time) => time >= from - SAME_INSTANT_SECONDS && time < to - SAME_INSTANT_SECONDS);
    };
    const endOf = (index: number) => grid[index].startSeconds + grid[index].durationSeconds;
    // The span ends before a frame of the segment (unknown frames: before its end).
    const endsInside = (index: number, end: number): boolean => {
      if (end >= endOf(index) - SAME_INSTANT_SECONDS) return false;
      const after = framesOfSegment(index, end, endOf(index));
      return after === null || after.length > 0;
    };
    const wallClockAt = (seconds: number, index: number) => grid[index].wallClockStartMs + Math.round((seconds - grid[index].startSeconds) * 1000);
    const push = (entry: Omit<ViewEntry, 'span' | 'hourStart' | 'discontinuity'>) =>
      entries.push({
        ...entry,
        span: spanIndex,
        hourStart: timeline.hourStart,
        discontinuity: span.discontinuity && !entries.some((e) => e.span === spanIndex),
      });

    let from = span.fromSeconds;
    const to = span.toSeconds;
    const first = gridSegmentAt(grid, from);
    const last = gridSegmentAt(grid, to - SAME_INSTANT_SECONDS);
    // A head: the span starts after a frame of its first segment, and before another.
    const inside = from > grid[first].startSeconds + SAME_INSTANT_SECONDS;
    const skipped = inside ? framesOfSegment(first, grid[first].startSeconds, from) : [];
    const kept = inside ? framesOfSegment(first, from, endOf(first)) : [];
    const headed = inside && (skipped === null || skipped.length > 0);
    let next = first;
    if (headed && kept !== null && kept.length === 0) {
      // Between the segment's last frame and the next cut: the range starts with the next segment.
      next = first + 1;
    }
    if (headed && next === first) {
      const piece = timeline.pieces[grid[first].pieceIndex];
      const starts = frames.starts(timeline, piece, grid[first].pieceIndex);
      // (When copied, the head starts at the first keyframe in it: nothing before one can be shown.)
      const start = starts === null ? from : starts.find((time) => time >= from - SAME_INSTANT_SECONDS);
      const headEnd = Math.min(endOf(first), to);
      const tailed = first === last && endsInside(first, to);
      if (start !== undefined && start < headEnd - SAME_INSTANT_SECONDS) {
        push({ kind: tailed ? 'part' : 'head', gridIndex: first, fromSeconds: start, toSeconds: headEnd, wallClockStartMs: wallClockAt(start, first) });
      }
      from = headEnd;
      next = first + 1;
    }
    for (let index = next; index <= last && from < to - SAME_INSTANT_SECONDS; index += 1) {
      const end = Math.min(endOf(index), to);
      const isTail = index === last && endsInside(index, to);
      const start = index === next ? from : grid[index].startSeconds;
      push({
        kind: isTail ? 'tail' : 'segment',
        gridIndex: index,
        fromSeconds: start,
        toSeconds: end,
        wallClockStartMs: index === next && start < grid[index].startSeconds ? wallClockAt(start, index) : grid[index].wallClockStartMs,
      });
      from = end;
    }
  }
  return entries;
}
