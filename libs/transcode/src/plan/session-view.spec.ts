import type { RecordingFile, TimelinePiece } from '@app/recordings';
import { framesOnTimeline, keyframesOnTimeline } from './segment-plan';
import { HOUR_SECONDS, HourTimeline, hoursOfRange, planHourTimeline } from './hour-timeline';
import { ViewEntry, ViewFrames, planViewEntries, planViewSpans } from './session-view';
import { GridSegment, planTrackGrid } from './track-grid';

/** 2023-11-15T10:00:00Z. */
const H = 1_700_042_400;

function recording(name: string, startTime: number, seconds: number, fps = 15, gop = 30): RecordingFile {
  const count = Math.round(seconds * fps);
  const frameTimes = Float64Array.from({ length: count }, (_, i) => i / fps);
  return {
    camera: 'porch',
    path: `/rec/${name}.mp4`,
    startTime,
    durationSeconds: seconds,
    media: { video: { kind: 'video', codecTag: 'hvc1', width: 320, height: 240, frameTimes, keyframeTimes: frameTimes.filter((_, i) => i % gop === 0) } },
  };
}

/** Around two hour boundaries: a lead-in into H, a recording after it, a gap, two recordings across H+1h. */
const FILES = [
  recording('lead', H - 5, 10),
  recording('a', H + 5, 10),
  recording('b', H + 3595, 10),
  recording('c', H + 3605, 10),
  recording('d', H + 3615, 10),
];

const ENCODED: ViewFrames = { frames: (_t, piece) => framesOnTimeline(piece), starts: () => null };
const COPIED: ViewFrames = { frames: (_t, piece) => framesOnTimeline(piece), starts: (_t, piece) => keyframesOnTimeline(piece) };

function plan(start: number, end: number, frames: ViewFrames = ENCODED, candidates?: (piece: TimelinePiece) => number[] | null) {
  const timelines = hoursOfRange(start, end).map((hour) => planHourTimeline('porch', hour, FILES));
  const grids = new Map<HourTimeline, GridSegment[]>(timelines.map((timeline) => [timeline, planTrackGrid(timeline, { lineSeconds: 2, candidates })]));
  const spans = planViewSpans(start, end, timelines);
  return { spans, entries: planViewEntries(spans, (timeline) => grids.get(timeline)!, frames), grids };
}

/** Each entry as [kind, camera time of its start after H (ms precision), its length]. */
function shape(entries: readonly ViewEntry[]): [string, number, number][] {
  return entries.map((entry) => [
    `${entry.discontinuity ? '|' : ''}${entry.kind}`,
    Math.round(entry.wallClockStartMs - H * 1000) / 1000,
    Math.round((entry.toSeconds - entry.fromSeconds) * 1000) / 1000,
  ]);
}

describe('planViewSpans', () => {
  it('plays a History hour from its own timeline only: the lead-in from the hour’s start, then its recordings', () => {
    const { spans } = plan(H, H + HOUR_SECONDS);
    expect(spans.map((span) => [span.timeline.hourStart, span.fromSeconds, span.toSeconds, span.discontinuity])).toEqual([[H, 5, 25, false]]);
  });

  it('goes on with the next hour’s timeline at its own first recording, and says the timestamps jump there', () => {
    const { spans } = plan(H + 3590, H + 3620);
    expect(spans.map((span) => [span.timeline.hourStart, span.fromSeconds, span.toSeconds, span.discontinuity])).toEqual([
      [H, 20, 30, false],
      // The next hour's lead-in (b) was played from this hour's timeline: it starts at c.
      [H + HOUR_SECONDS, 10, 25, true],
    ]);
  });

  it('starts a range that begins in a lead-in on its own hour’s timeline', () => {
    const { spans } = plan(H + 3601, H + 3612);
    expect(spans.map((span) => [span.timeline.hourStart, span.fromSeconds, span.toSeconds])).toEqual([[H + HOUR_SECONDS, 6, 17]]);
  });
});

describe('planViewEntries', () => {
  it('gives a History hour the track’s segments only: no head, no tail (it starts and ends on whole-hour cuts)', () => {
    const { entries } = plan(H, H + HOUR_SECONDS);
    expect(entries.every((entry) => entry.kind === 'segment')).toBe(true);
    expect(shape(entries)[0]).toEqual(['segment', 0, 2]);
    expect(shape(entries).at(-1)).toEqual(['segment', 3598, 2]);
    expect(entries.reduce((sum, entry) => sum + entry.toSeconds - entry.fromSeconds, 0)).toBeCloseTo(20, 6);
  });

  it('gives an event clip a head from its start to the next cut and a tail from the last cut to its end, and the shared segments between', () => {
    expect(shape(plan(H + 6.3, H + 12.5).entries)).toEqual([
      ['head', 6.3, 1.7],
      ['segment', 8, 2],
      ['segment', 10, 2],
      ['tail', 12, 0.5],
    ]);
  });

  it('starts a copied head at a keyframe between two cuts (a 1 s GOP, cuts every 2 s)', () => {
    const timeline = planHourTimeline('porch', H, [recording('k', H, 10, 15, 15)]);
    const grid = planTrackGrid(timeline, { lineSeconds: 2, candidates: keyframesOnTimeline });
    const entries = planViewEntries(planViewSpans(H + 2.5, H + 6, [timeline]), () => grid, COPIED);
    expect(shape(entries)).toEqual([
      ['head', 3, 1],
      ['segment', 4, 2],
    ]);
  });

  it('makes a part of a range inside one segment', () => {
    expect(shape(plan(H + 6.3, H + 7.1).entries)).toEqual([['part', 6.3, 0.8]]);
  });

  it('takes the segment as it is when the range starts between its cut and its first frame, from the range’s start', () => {
    // Frames at 15 fps from H+5: the first after H+7.98 is H+8, the cut.
    expect(shape(plan(H + 7.98, H + 10).entries)).toEqual([['segment', 7.98, 2.02]]);
    // And when no frame of the segment is left out either: the range starts at its cut.
    expect(shape(plan(H + 5, H + 8).entries)).toEqual([
      ['segment', 5, 1],
      ['segment', 6, 2],
    ]);
  });

  it('marks the first entry after a change of timeline', () => {
    expect(shape(plan(H + 3598.5, H + 3607).entries)).toEqual([
      ['head', 3598.5, 1.5],
      ['segment', 3600, 2],
      ['segment', 3602, 2],
      ['segment', 3604, 1],
      // c starts on an odd second: its first segment is 1 s, then the range ends 1 s into the next.
      ['|segment', 3605, 1],
      ['tail', 3606, 1],
    ]);
  });

  it('starts a copied range at the next keyframe: nothing before one can be shown', () => {
    // Keyframes every 2 s from H+5 (odd seconds), cuts on the first keyframe at or after each even second.
    const { entries } = plan(H + 6.3, H + 14, COPIED, keyframesOnTimeline);
    expect(shape(entries)).toEqual([
      ['segment', 7, 2],
      ['segment', 9, 2],
      ['segment', 11, 2],
      ['tail', 13, 1],
    ]);
  });

  it('adds up to the range’s played time, whatever the range', () => {
    for (const [start, end] of [
      [H + 0.01, H + 9.99],
      [H + 3.3, H + 3600 + 7.7],
      [H - 2, H + 20],
    ]) {
      const { spans, entries } = plan(start, end);
      const played = spans.reduce((sum, span) => sum + span.toSeconds - span.fromSeconds, 0);
      expect(entries.reduce((sum, entry) => sum + entry.toSeconds - entry.fromSeconds, 0)).toBeCloseTo(played, 6);
      // Each entry starts where the one before it ends, on its span.
      for (let i = 1; i < entries.length; i += 1)
        if (entries[i].span === entries[i - 1].span) expect(entries[i].fromSeconds).toBeCloseTo(entries[i - 1].toSeconds, 9);
    }
  });
});
