import type { RecordingFile } from '@app/recordings';
import { planHourTimeline } from '../plan/hour-timeline';
import { planTrackGrid } from '../plan/track-grid';
import { planTrackView } from './view-plan';

/** 2023-11-15T10:00:00Z. */
const H = 1_700_042_400;

function recording(name: string, startTime: number, seconds: number, fps = 15): RecordingFile {
  const frameTimes = Float64Array.from({ length: Math.round(seconds * fps) }, (_, i) => i / fps);
  return {
    camera: 'porch',
    path: `/rec/${name}.mp4`,
    startTime,
    durationSeconds: seconds,
    media: { video: { kind: 'video', codecTag: 'hvc1', width: 320, height: 240, frameTimes, keyframeTimes: frameTimes.filter((_, i) => i % 30 === 0) } },
  };
}

/** The hour H: a lead-in from the hour before, then 10 s files back to back, then a 30 s gap. */
const FILES = [recording('lead', H - 5, 10), recording('a', H + 5, 10), recording('b', H + 15, 10), recording('c', H + 55, 10)];
const timeline = planHourTimeline('porch', H, FILES);
const grid = planTrackGrid(timeline, { lineSeconds: 2 });

/** [source, camera time after H (s, 3 decimals), EXTINF] of each entry. */
function shape(start: number, end: number) {
  const view = planTrackView(H + start, H + end, timeline, grid);
  if (!view) return null;
  return view.segments.map((segment, i) => [
    view.sources[i].from,
    Math.round(segment.wallClockStartMs - H * 1000) / 1000,
    Math.round(segment.durationSeconds * 1000) / 1000,
  ]);
}

describe('planTrackView', () => {
  it.each<[string, number, number, (string | number)[][] | null]>([
    [
      'a range on the grid: every entry is the track’s',
      6,
      12,
      [
        ['track', 6, 2],
        ['track', 8, 2],
        ['track', 10, 2],
      ],
    ],
    [
      'a range that starts and ends between cuts: its own head and tail, the track’s between',
      6.5,
      11.3,
      [
        ['own', 6.5, 1.5],
        ['track', 8, 2],
        ['own', 10, 1.3],
      ],
    ],
    ['a range inside one grid segment: a part of its own', 8.2, 9.1, [['own', 8.2, 0.9]]],
    [
      'a range from the lead-in (the hour before’s last file) into the hour',
      -2.5,
      3,
      [
        ['own', -2.5, 0.5],
        ['track', -2, 2],
        ['track', 0, 2],
        ['own', 2, 1],
      ],
    ],
  ])('%s', (_, start, end, expected) => {
    expect(shape(start, end)).toEqual(expected);
  });

  it('plays on through a gap as the timeline does (collapsed): the track’s segments on both sides, no piece of its own', () => {
    expect(shape(20, 60)).toEqual([
      ['track', 20, 2],
      ['track', 22, 2],
      ['track', 24, 1],
      ['track', 55, 1],
      ['track', 56, 2],
      ['track', 58, 2],
    ]);
  });

  it('ends each of its own pieces’ runs where the track takes over (the next cut) or where the range ends', () => {
    const view = planTrackView(H + 6.5, H + 11.3, timeline, grid)!;
    const next = grid.find((segment) => Math.abs(segment.wallClockStartMs - (H + 8) * 1000) < 1)!;
    expect(view.ownSegments.map((piece) => piece.runEndSeconds)).toEqual([next.cutSeconds, expect.closeTo(view.ownSegments[1].timelineStartSeconds + 1.3, 6)]);
    // The tail is cut where the track cuts its segment: the same first frame, the same timestamps.
    const tail = grid.find((segment) => Math.abs(segment.wallClockStartMs - (H + 10) * 1000) < 1)!;
    expect(view.ownSegments[1].cutSeconds).toBe(tail.cutSeconds);
  });
});
