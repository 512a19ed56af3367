import type { RecordingFile } from '@app/recordings';
import { keyframesOnTimeline } from './segment-plan';
import { HOUR_SECONDS, TIMELINE_PTS_MARGIN_SECONDS, hourStartOf, hoursOfRange, planHourTimeline, timelinePtsBase } from './hour-timeline';
import { GridSegment, gridSegmentAt, planTrackGrid } from './track-grid';

/** 2023-11-15T10:00:00Z. */
const H = 1_700_042_400;

/** A recording of `seconds` at `fps` (frames at 0, 1/fps, …), keyframes every `gop` frames, starting at `startTime`. */
function recording(name: string, startTime: number, seconds: number, fps = 15, gop = 30): RecordingFile {
  const count = Math.round(seconds * fps);
  const frameTimes = Float64Array.from({ length: count }, (_, i) => i / fps);
  const keyframeTimes = frameTimes.filter((_, i) => i % gop === 0);
  return {
    camera: 'porch',
    path: `/rec/${name}.mp4`,
    startTime,
    durationSeconds: seconds,
    media: { video: { kind: 'video', codecTag: 'hvc1', width: 320, height: 240, frameTimes, keyframeTimes } },
  };
}

/** Wall clock of each segment's first frame, seconds after H (3 decimals), and its length. */
function shape(grid: readonly GridSegment[]): [number, number][] {
  return grid.map((segment) => [Math.round(segment.wallClockStartMs - H * 1000) / 1000, Math.round(segment.durationSeconds * 1000) / 1000]);
}

describe('planHourTimeline', () => {
  it('plays the hour’s recordings whole and back to back, after the last one of the hour before that runs into it (the lead-in)', () => {
    const files = [recording('a', H - 20, 10), recording('b', H - 8, 10), recording('c', H + 2, 10), recording('d', H + 40, 10), recording('e', H + 3600, 10)];
    const timeline = planHourTimeline('porch', H, files);
    expect(timeline.pieces.map((piece) => [piece.path, piece.timelineOffsetSeconds, piece.inpointSeconds, piece.durationSeconds])).toEqual([
      ['/rec/b.mp4', 0, 0, 10],
      ['/rec/c.mp4', 10, 0, 10],
      ['/rec/d.mp4', 20, 0, 10],
    ]);
    expect(timeline).toMatchObject({ ownFrom: 1, durationSeconds: 30, hourStart: H });
  });

  it('has no lead-in when the hour before ends before the hour (or by less than a piece)', () => {
    expect(planHourTimeline('porch', H, [recording('a', H - 10, 9), recording('b', H, 10)]).ownFrom).toBe(0);
    expect(planHourTimeline('porch', H, [recording('a', H - 10, 10.05), recording('b', H, 10)]).ownFrom).toBe(0);
  });

  it('leaves out recordings shorter than 0.1 s, as Frigate does', () => {
    const timeline = planHourTimeline('porch', H, [recording('a', H, 10), recording('b', H + 10, 0.05), recording('c', H + 20, 10)]);
    expect(timeline.pieces.map((piece) => piece.path)).toEqual(['/rec/a.mp4', '/rec/c.mp4']);
  });

  it.each([
    [H, TIMELINE_PTS_MARGIN_SECONDS + 10 * HOUR_SECONDS],
    [H - 10 * HOUR_SECONDS, TIMELINE_PTS_MARGIN_SECONDS],
    [H + 13 * HOUR_SECONDS + 24 * HOUR_SECONDS, TIMELINE_PTS_MARGIN_SECONDS + 23 * HOUR_SECONDS],
  ])('gives the hour starting at %i the MPEG-TS base %i s: rising through a day, under the 33-bit wrap (26.5 h)', (hour, base) => {
    expect(timelinePtsBase(hour)).toBe(base);
    expect(base + 2 * HOUR_SECONDS).toBeLessThan(2 ** 33 / 90_000);
  });

  it('names the hours a range plays from', () => {
    expect(hourStartOf(H + 3599.9)).toBe(H);
    expect(hoursOfRange(H + 10, H + 20)).toEqual([H]);
    expect(hoursOfRange(H + 3590, H + 3610)).toEqual([H, H + HOUR_SECONDS]);
    expect(hoursOfRange(H, H + HOUR_SECONDS)).toEqual([H]);
  });
});

describe('planTrackGrid', () => {
  it.each<[string, RecordingFile[], [number, number][]]>([
    [
      'cuts at each recording’s start and on the camera’s even seconds',
      [recording('a', H, 10), recording('b', H + 10, 10)],
      [
        [0, 2],
        [2, 2],
        [4, 2],
        [6, 2],
        [8, 2],
        [10, 2],
        [12, 2],
        [14, 2],
        [16, 2],
        [18, 2],
      ],
    ],
    [
      'starts a recording that begins on an odd second with a 1 s segment, then follows the camera’s even seconds',
      [recording('a', H + 9, 5)],
      [
        [9, 1],
        [10, 2],
        [12, 2],
      ],
    ],
    [
      'drops a line that would leave a sliver before the next recording (a file 10.2 s long whose next is named 10 s later)',
      [recording('a', H, 10.2), recording('b', H + 10, 10)],
      [
        [0, 2],
        [2, 2],
        [4, 2],
        [6, 2],
        [8, 2.2],
        [10, 2],
        [12, 2],
        [14, 2],
        [16, 2],
        [18, 2],
      ],
    ],
    [
      'starts a segment where a gap ends, on the camera’s time (a 60 s gap collapsed on the timeline)',
      [recording('a', H, 4), recording('b', H + 64, 4)],
      [
        [0, 2],
        [2, 2],
        [64, 2],
        [66, 2],
      ],
    ],
    [
      'starts a segment where a restarted recorder’s file begins, 1.5 s before the last one ended (played whole)',
      [recording('a', H, 6), recording('b', H + 4.5, 4)],
      [
        [0, 2],
        [2, 2],
        [4, 2],
        [4.5, 1.533],
        // The first frame at or after the camera's 6 s (15 fps from 4.5 s).
        [6.033, 2.467],
      ],
    ],
  ])('%s', (_what, files, expected) => {
    expect(shape(planTrackGrid(planHourTimeline('porch', H, files), { lineSeconds: 2 }))).toEqual(expected);
  });

  it('cuts on the same camera seconds whatever else the hour holds: a grid is the camera’s, not a range’s', () => {
    const a = recording('a', H + 100, 10);
    const alone = planTrackGrid(planHourTimeline('porch', H, [a]), { lineSeconds: 2 });
    const after = planTrackGrid(planHourTimeline('porch', H, [recording('x', H + 10, 7.3), a]), { lineSeconds: 2 });
    expect(shape(after.slice(after.length - alone.length))).toEqual(shape(alone));
  });

  it('puts each cut 5 ms before its frame, and a recording’s first cut half-way to the frame before when that is closer', () => {
    const grid = planTrackGrid(planHourTimeline('porch', H, [recording('a', H, 4), recording('b', H + 4, 4)]), { lineSeconds: 2 });
    expect(grid.map((segment) => [segment.startSeconds, Math.round(segment.cutSeconds * 1000) / 1000])).toEqual([
      [0, 0],
      [2, 1.995],
      [4, 3.995],
      [6, 5.995],
    ]);
    expect(grid.map((segment) => !!segment.startsRecording)).toEqual([true, false, true, false]);
  });

  it('keeps a cut at a whole hour even where it leaves a short segment (History ranges start and end there)', () => {
    // The lead-in starts at 9:59:55 and lasts 10 s: a cut at 10:00:00 falls 5 s in, and one at 10:00:04.
    const grid = planTrackGrid(planHourTimeline('porch', H, [recording('lead', H - 5, 5.2), recording('a', H + 0.2, 4)]), { lineSeconds: 2 });
    expect(shape(grid)).toEqual([
      [-5, 1],
      [-4, 2],
      [-2, 2],
      [0, 0.2],
      [0.2, 1.8],
      [2, 2.2],
    ]);
  });

  it('cuts a copied stream at its keyframes only: a 4 s GOP gives 4 s segments', () => {
    const grid = planTrackGrid(planHourTimeline('porch', H, [recording('a', H, 12, 15, 60)]), { lineSeconds: 2, candidates: keyframesOnTimeline });
    expect(shape(grid)).toEqual([
      [0, 4],
      [4, 4],
      [8, 4],
    ]);
  });

  it('cuts nominally where frame times are unknown, still at each recording and on the camera’s even seconds', () => {
    const files = [recording('a', H, 5), recording('b', H + 5, 5)].map(({ media: _media, ...file }) => file);
    expect(shape(planTrackGrid(planHourTimeline('porch', H, files), { lineSeconds: 2 }))).toEqual([
      [0, 2],
      [2, 2],
      // A whole half line before the next recording: not a sliver.
      [4, 1],
      [5, 1],
      [6, 2],
      [8, 2],
    ]);
  });

  it('finds the segment that holds a moment of the timeline', () => {
    const grid = planTrackGrid(planHourTimeline('porch', H, [recording('a', H, 10)]), { lineSeconds: 2 });
    expect([0, 1.99, 2, 9.9].map((seconds) => gridSegmentAt(grid, seconds))).toEqual([0, 0, 1, 4]);
  });
});
