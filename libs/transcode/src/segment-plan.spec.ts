import { RecordingFile, RecordingTimeline, planTimeline } from '@app/recordings';
import { planSegments, wallClockAt } from './segment-plan';

// 2023-11-14T22:13:20Z, epoch seconds.
const T = 1_700_000_000;

function file(path: string, startTime: number, durationSeconds: number): RecordingFile {
  return { camera: 'front', path, startTime, durationSeconds };
}

/** One file covering the whole range: a timeline of `seconds` that starts at wall clock T. */
function timelineOf(seconds: number): RecordingTimeline {
  return planTimeline([file('/rec/a.mp4', T, seconds)], T, T + seconds);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

describe('planSegments', () => {
  it('cuts a 30 s timeline into 15 segments of 2 s, indexes 0..14 on a 2 s grid', () => {
    const segments = planSegments(timelineOf(30), 2);
    expect(segments).toHaveLength(15);
    expect(segments.map((s) => s.index)).toEqual([...Array(15).keys()]);
    expect(segments.map((s) => s.timelineStartSeconds)).toEqual([...Array(15).keys()].map((i) => i * 2));
    for (const segment of segments) expect(segment.durationSeconds).toBe(2);
    expect(sum(segments.map((s) => s.durationSeconds))).toBe(30);
  });

  it('gives a 31 s timeline 16 segments, the last one 1 s', () => {
    const segments = planSegments(timelineOf(31), 2);
    expect(segments).toHaveLength(16);
    expect(segments.map((s) => s.index)).toEqual([...Array(16).keys()]);
    expect(segments.slice(0, 15).every((s) => s.durationSeconds === 2)).toBe(true);
    expect(segments[15]).toMatchObject({ index: 15, timelineStartSeconds: 30, durationSeconds: 1 });
    expect(sum(segments.map((s) => s.durationSeconds))).toBe(31);
  });

  it('folds a 0.05 s tail into the last segment instead of planning a sliver', () => {
    const timeline = timelineOf(30.05);
    // Epoch-second arithmetic: 30.05 is only exact to ~1e-7 here.
    expect(timeline.durationSeconds).toBeCloseTo(30.05, 6);
    const segments = planSegments(timeline, 2);
    expect(segments).toHaveLength(15);
    expect(segments.slice(0, 14).every((s) => s.durationSeconds === 2)).toBe(true);
    expect(segments[14].index).toBe(14);
    expect(segments[14].timelineStartSeconds).toBe(28);
    expect(segments[14].durationSeconds).toBeCloseTo(2.05, 6);
    expect(segments[14].timelineStartSeconds + segments[14].durationSeconds).toBe(timeline.durationSeconds);
  });

  it.each([
    [30, 2],
    [31, 2],
    [30.05, 2],
    [30.15, 2],
    [7.3, 6],
    [0.5, 2],
    [12, 6],
    [100.02, 2.5],
  ])('durations of a %p s timeline in %p s segments sum to the timeline duration, back to back', (seconds, length) => {
    const timeline = timelineOf(seconds);
    const segments = planSegments(timeline, length);
    expect(segments.length).toBeGreaterThan(0);
    expect(sum(segments.map((s) => s.durationSeconds))).toBeCloseTo(timeline.durationSeconds, 6);
    segments.forEach((segment, i) => {
      expect(segment.index).toBe(i);
      expect(segment.durationSeconds).toBeGreaterThan(0);
      if (i > 0) {
        const previous = segments[i - 1];
        expect(segment.timelineStartSeconds).toBeCloseTo(previous.timelineStartSeconds + previous.durationSeconds, 6);
      }
    });
    expect(segments[0].timelineStartSeconds).toBe(0);
  });

  it('plans no segments for an empty timeline', () => {
    expect(planSegments({ pieces: [], durationSeconds: 0 }, 2)).toEqual([]);
  });

  describe('wall clock across a collapsed gap', () => {
    // Files [T, T+10) and [T+40, T+50): a 30 s gap. Range [T+5, T+50): 5 s of the first, 10 s of the second.
    const files = [file('/rec/a.mp4', T, 10), file('/rec/b.mp4', T + 40, 10)];
    const timeline = planTimeline(files, T + 5, T + 50);
    const segments = planSegments(timeline, 2);

    it('builds the expected 15 s timeline (sanity check of the fixture)', () => {
      expect(timeline.durationSeconds).toBe(15);
      expect(timeline.pieces.map((p) => [p.inpointSeconds, p.durationSeconds, p.timelineOffsetSeconds])).toEqual([
        [5, 5, 0],
        [0, 10, 5],
      ]);
      expect(segments).toHaveLength(8);
    });

    it('maps the segment at timeline 4 s to wall clock T+9 (first file, after its inpoint)', () => {
      expect(segments[2].timelineStartSeconds).toBe(4);
      expect(segments[2].wallClockStartMs).toBe((T + 9) * 1000);
    });

    it('maps the segment at timeline 6 s to wall clock T+41 (second file, after the gap)', () => {
      expect(segments[3].timelineStartSeconds).toBe(6);
      expect(segments[3].wallClockStartMs).toBe((T + 41) * 1000);
    });

    it('gives every segment the wall clock of its own piece, in epoch milliseconds', () => {
      expect(segments.map((s) => s.wallClockStartMs)).toEqual(
        [T + 5, T + 7, T + 9, T + 41, T + 43, T + 45, T + 47, T + 49].map((s) => s * 1000),
      );
      for (const segment of segments) {
        expect(Number.isInteger(segment.wallClockStartMs)).toBe(true);
        // Epoch ms, not epoch seconds: it is a real date in 2023.
        expect(new Date(segment.wallClockStartMs).getUTCFullYear()).toBe(2023);
      }
    });
  });

  it('maps timeline 0 to the range start when the range starts mid-file (inpoint), 6 s segments', () => {
    // One 60 s file, range starts 17 s into it.
    const timeline = planTimeline([file('/rec/a.mp4', T, 60)], T + 17, T + 60);
    expect(timeline.pieces[0].inpointSeconds).toBe(17);
    const segments = planSegments(timeline, 6);
    // 43 s → seven of 6 s and one of 1 s.
    expect(segments).toHaveLength(8);
    expect(segments[0]).toEqual({ index: 0, timelineStartSeconds: 0, durationSeconds: 6, wallClockStartMs: (T + 17) * 1000 });
    expect(segments.map((s) => s.wallClockStartMs)).toEqual([...Array(8).keys()].map((i) => (T + 17 + 6 * i) * 1000));
    expect(segments[7].durationSeconds).toBe(1);
  });

  it('keeps millisecond precision of fractional wall clocks', () => {
    const timeline = planTimeline([file('/rec/a.mp4', T + 0.25, 20)], T + 0.25, T + 10.25);
    const segments = planSegments(timeline, 2);
    expect(segments[1].wallClockStartMs).toBe(T * 1000 + 2250);
  });
});

describe('wallClockAt', () => {
  const files = [file('/rec/a.mp4', T, 10), file('/rec/b.mp4', T + 40, 10)];
  const timeline = planTimeline(files, T + 5, T + 50);

  it.each([
    [0, 5],
    [4, 9],
    [4.999, 9.999],
    // Exactly at a piece boundary the later piece shows: the first frame of the next file.
    [5, 40],
    [6, 41],
    [14.5, 49.5],
  ])('timeline %p s → wall clock T+%p', (offset, expected) => {
    expect(wallClockAt(timeline, offset)).toBeCloseTo(T + expected, 6);
  });

  it('returns epoch seconds (not milliseconds)', () => {
    expect(wallClockAt(timeline, 0)).toBe(T + 5);
  });
});
