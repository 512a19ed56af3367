import type { PlannedSegment } from '../plan/segment-plan';
import { framesOnTimeline } from '../plan/segment-plan';
import type { HourTimeline } from '../plan/hour-timeline';
import { ViewEntry, ViewFrames, planViewEntries, planViewSpans } from '../plan/session-view';
import type { GridSegment } from '../plan/track-grid';
import type { TrackPlan } from './track-plan';

/** Where a session's playlist entry comes from: a segment of its track, or a piece of its own. */
export type ViewSource = { from: 'track'; index: number } | { from: 'own'; index: number };

/**
 * A session as a view of one track (design: docs/design/tracks.md): its playlist's segments, and
 * for each where its file comes from; its own pieces (head, tail, part) as a plan on the track's
 * timeline, each ending the run that makes it (runEndSeconds).
 */
export interface ViewPlan {
  /** The session's playlist: times relative to the range's own timeline (its first entry's start is 0 or a frame after). */
  segments: PlannedSegment[];
  sources: ViewSource[];
  /** Its own pieces, on the hour's timeline (the track's times): made by a driver of its own. */
  ownSegments: PlannedSegment[];
}

/** What a session that is a view of a track plays (SessionPlan.view). */
export interface SessionTrackView {
  readonly track: TrackPlan;
  /** For each of the session's segments, where its file comes from. */
  readonly sources: readonly ViewSource[];
  /** Its own pieces, on the track's timeline. */
  readonly ownSegments: readonly PlannedSegment[];
}

/** Two times closer than this are the same instant (sums of float durations differ by less). */
const SAME_INSTANT_SECONDS = 1e-6;

/** An encoder makes a keyframe where it is asked: a head starts at the range's start. */
const ENCODED_FRAMES: ViewFrames = { frames: (_timeline, piece) => framesOnTimeline(piece), starts: () => null };

/**
 * Pure: the view of [start, end) over the track of `timeline` cut on `grid`, or null when the
 * range does not play one stretch of that one timeline (it crosses an hour, or a recording of
 * the hour is left out of it): such a range is still a session of its own.
 */
export function planTrackView(start: number, end: number, timeline: HourTimeline, grid: readonly GridSegment[]): ViewPlan | null {
  const spans = planViewSpans(start, end, [timeline]);
  if (spans.length !== 1) return null;
  const entries = planViewEntries(spans, () => grid, ENCODED_FRAMES);
  if (entries.length === 0) return null;
  const origin = spans[0].fromSeconds;
  const segments: PlannedSegment[] = [];
  const sources: ViewSource[] = [];
  const ownSegments: PlannedSegment[] = [];
  for (const [index, entry] of entries.entries()) {
    const durationSeconds = entry.toSeconds - entry.fromSeconds;
    const startSeconds = entry.fromSeconds - origin;
    segments.push({ index, timelineStartSeconds: startSeconds, durationSeconds, wallClockStartMs: entry.wallClockStartMs, cutSeconds: startSeconds });
    if (entry.kind === 'segment') {
      sources.push({ from: 'track', index: entry.gridIndex });
      continue;
    }
    sources.push({ from: 'own', index: ownSegments.length });
    ownSegments.push(ownPiece(entry, ownSegments.length, grid));
  }
  return { segments, sources, ownSegments };
}

/**
 * A head or part starts where the range does (its run reads from there); a tail starts with its
 * grid segment's first frame (cut where the track cuts). Each ends the run that makes it.
 */
function ownPiece(entry: ViewEntry, index: number, grid: readonly GridSegment[]): PlannedSegment {
  const segment = grid[entry.gridIndex];
  const isTail = entry.kind === 'tail';
  return {
    index,
    timelineStartSeconds: entry.fromSeconds,
    durationSeconds: entry.toSeconds - entry.fromSeconds,
    wallClockStartMs: entry.wallClockStartMs,
    cutSeconds: isTail ? segment.cutSeconds : entry.fromSeconds,
    // Where the range ends inside its grid segment, there; else at the next segment's cut (a
    // moment before its first frame, which is the track's).
    runEndSeconds:
      entry.toSeconds < segment.startSeconds + segment.durationSeconds - SAME_INSTANT_SECONDS
        ? entry.toSeconds
        : (grid[entry.gridIndex + 1]?.cutSeconds ?? entry.toSeconds),
  };
}
