import type { RecordingFile } from '@app/recordings';
import { planHourTimeline } from '../plan/hour-timeline';
import { ENCODED_RENDITION, SessionRendition } from '../plan/rendition';
import { planTrackGrid } from '../plan/track-grid';
import { TRACK_ID_PATTERN, planTrack, renditionKey, trackId } from './track-plan';

/** 2023-11-15T10:00:00Z. */
const H = 1_700_042_400;
const OUTPUT = { frame: { width: 320, height: 240 } };

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

const FILES = [recording('lead', H - 6.5, 10), recording('a', H + 3.5, 10), recording('b', H + 13.5, 9.93)];
const timeline = planHourTimeline('porch', H, FILES);
const FAST: SessionRendition = { speed: 8, video: { mode: 'fast', speed: 8, decode: 'all', frameRate: 15 }, audio: 'none' };

describe('trackId', () => {
  it('is 32 hex characters, the same for the same recordings, rendition and format', () => {
    const id = trackId(timeline, ENCODED_RENDITION, OUTPUT);
    expect(id).toMatch(new RegExp(`^${TRACK_ID_PATTERN}$`));
    expect(trackId(planHourTimeline('porch', H, [...FILES]), { ...ENCODED_RENDITION }, { frame: { width: 320, height: 240 } })).toBe(id);
  });

  it.each<[string, () => string]>([
    ['another camera', () => trackId({ ...timeline, camera: 'yard' }, ENCODED_RENDITION, OUTPUT)],
    [
      'another hour',
      () =>
        trackId(
          planHourTimeline(
            'porch',
            H + 3600,
            FILES.map((f) => ({ ...f, startTime: f.startTime + 3600 })),
          ),
          ENCODED_RENDITION,
          OUTPUT,
        ),
    ],
    ['a recording of the hour removed', () => trackId(planHourTimeline('porch', H, FILES.slice(0, 2)), ENCODED_RENDITION, OUTPUT)],
    ['a recording still growing', () => trackId(planHourTimeline('porch', H, [...FILES.slice(0, 2), recording('b', H + 13.5, 10)]), ENCODED_RENDITION, OUTPUT)],
    ['the copied stream', () => trackId(timeline, { ...ENCODED_RENDITION, video: { mode: 'copy' } }, OUTPUT)],
    ['a speed', () => trackId(timeline, FAST, OUTPUT)],
    ['another picture size', () => trackId(timeline, ENCODED_RENDITION, { frame: { width: 160, height: 120 } })],
  ])('changes with %s', (_, other) => {
    expect(other()).not.toBe(trackId(timeline, ENCODED_RENDITION, OUTPUT));
  });
});

describe('renditionKey', () => {
  it.each<[SessionRendition, string]>([
    [ENCODED_RENDITION, '1/encode/encode'],
    [{ speed: 1, video: { mode: 'copy' }, audio: 'copy' }, '1/copy/copy'],
    [FAST, '8/fast/8/all/15/none'],
  ])('%j → %s', (rendition, key) => expect(renditionKey(rendition)).toBe(key));
});

describe('planTrack', () => {
  it('makes the grid the driver’s plan on the hour’s timeline, numbered in grid order, with the hour’s MPEG-TS base', () => {
    const grid = planTrackGrid(timeline, { lineSeconds: 2 });
    const plan = planTrack(timeline, grid, ENCODED_RENDITION, OUTPUT);
    expect(plan).toMatchObject({ camera: 'porch', hourStart: H, ptsBaseSeconds: timeline.ptsBaseSeconds, rendition: ENCODED_RENDITION, output: OUTPUT });
    expect(plan.timeline).toEqual({ pieces: timeline.pieces, durationSeconds: timeline.durationSeconds });
    expect(plan.segments.map((segment) => segment.index)).toEqual(grid.map((_, i) => i));
    expect(plan.segments.map((s) => [s.timelineStartSeconds, s.cutSeconds, s.durationSeconds, s.wallClockStartMs])).toEqual(
      grid.map((g) => [g.startSeconds, g.cutSeconds, g.durationSeconds, g.wallClockStartMs]),
    );
    // The lead-in's frames are the hour's first seconds: its first segment starts at its start.
    expect(plan.segments[0].wallClockStartMs).toBe((H - 6.5) * 1000);
  });
});
