import { RecordingFile, RecordingTimeline, planTimeline } from '@app/recordings';
import { FIRST_SEGMENT_SECONDS, planSegments, wallClockAt } from './segment-plan';

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
  it('makes the first segment FIRST_SEGMENT_SECONDS (1 s) long, and every segment 1 s when segments are 1 s', () => {
    expect(FIRST_SEGMENT_SECONDS).toBe(1);
    for (const length of [1, 2, 2.5, 6]) {
      const segments = planSegments(timelineOf(30), length);
      expect(segments[0]).toMatchObject({ index: 0, timelineStartSeconds: 0, durationSeconds: FIRST_SEGMENT_SECONDS });
    }
    const ones = planSegments(timelineOf(10), 1);
    expect(ones).toHaveLength(10);
    expect(ones.map((s) => s.durationSeconds)).toEqual(Array(10).fill(1));
    expect(ones.map((s) => s.timelineStartSeconds)).toEqual([...Array(10).keys()]);
  });

  it('never makes the first segment longer than the configured length (0.5 s segments)', () => {
    const segments = planSegments(timelineOf(3), 0.5);
    expect(segments.map((s) => s.durationSeconds)).toEqual(Array(6).fill(0.5));
  });

  it('cuts a 30 s timeline into 16 segments [1, 2×14, 1], indexes 0..15 on the grid 0, 1, 3, 5, …', () => {
    const segments = planSegments(timelineOf(30), 2);
    expect(segments).toHaveLength(16);
    expect(segments.map((s) => s.index)).toEqual([...Array(16).keys()]);
    expect(segments.map((s) => s.timelineStartSeconds)).toEqual([0, ...[...Array(15).keys()].map((i) => 1 + i * 2)]);
    expect(segments.map((s) => s.durationSeconds)).toEqual([1, ...Array(14).fill(2), 1]);
    expect(sum(segments.map((s) => s.durationSeconds))).toBe(30);
  });

  it('gives a 31 s timeline 16 segments [1, 2×15], the last one a full 2 s', () => {
    const segments = planSegments(timelineOf(31), 2);
    expect(segments).toHaveLength(16);
    expect(segments.map((s) => s.index)).toEqual([...Array(16).keys()]);
    expect(segments[0].durationSeconds).toBe(1);
    expect(segments.slice(1).every((s) => s.durationSeconds === 2)).toBe(true);
    expect(segments[15]).toMatchObject({ index: 15, timelineStartSeconds: 29, durationSeconds: 2 });
    expect(sum(segments.map((s) => s.durationSeconds))).toBe(31);
  });

  it('gives a 30.05 s timeline [1, 2×14, 1.05]: the remainder after the grid is the last segment', () => {
    const timeline = timelineOf(30.05);
    // Epoch-second arithmetic: 30.05 is only exact to ~1e-7 here.
    expect(timeline.durationSeconds).toBeCloseTo(30.05, 6);
    const segments = planSegments(timeline, 2);
    expect(segments).toHaveLength(16);
    expect(segments[0].durationSeconds).toBe(1);
    expect(segments.slice(1, 15).every((s) => s.durationSeconds === 2)).toBe(true);
    expect(segments[15].index).toBe(15);
    expect(segments[15].timelineStartSeconds).toBe(29);
    expect(segments[15].durationSeconds).toBeCloseTo(1.05, 6);
    expect(segments[15].timelineStartSeconds + segments[15].durationSeconds).toBe(timeline.durationSeconds);
  });

  it('leaves a tail under 0.2 s out of the plan, so every boundary is one ffmpeg cuts at (31.05 s → [1, 2×15])', () => {
    const timeline = timelineOf(31.05);
    expect(timeline.durationSeconds).toBeCloseTo(31.05, 6);
    const segments = planSegments(timeline, 2);
    expect(segments).toHaveLength(16);
    expect(segments[0].durationSeconds).toBe(1);
    expect(segments.slice(1).every((s) => s.durationSeconds === 2)).toBe(true);
    expect(segments[15].timelineStartSeconds + segments[15].durationSeconds).toBe(31);
  });

  it('keeps a tail of 0.2 s or more as a short last segment (31.25 s → [1, 2×15, 0.25])', () => {
    const segments = planSegments(timelineOf(31.25), 2);
    expect(segments).toHaveLength(17);
    expect(segments[16].timelineStartSeconds).toBe(31);
    expect(segments[16].durationSeconds).toBeCloseTo(0.25, 6);
  });

  it('always plans the first segment, however short the range (0.1 s → [0.1])', () => {
    const segments = planSegments(timelineOf(0.1), 2);
    expect(segments).toHaveLength(1);
    expect(segments[0].durationSeconds).toBeCloseTo(0.1, 6);
  });

  it.each([
    [30, 2],
    [31, 2],
    [30.05, 2],
    [30.15, 2],
    [31.05, 2],
    [1.05, 2],
    [7.3, 6],
    [0.5, 2],
    [12, 6],
    [43, 6],
    [10, 1],
    [3, 0.5],
    [100.02, 2.5],
  ])('durations of a %p s timeline in %p s segments sum to the timeline duration, back to back on the grid', (seconds, length) => {
    const timeline = timelineOf(seconds);
    const segments = planSegments(timeline, length);
    const first = Math.min(FIRST_SEGMENT_SECONDS, length);
    expect(segments.length).toBeGreaterThan(0);
    // The planned segments cover the timeline but a tail under 0.2 s.
    const covered = sum(segments.map((s) => s.durationSeconds));
    expect(covered).toBeLessThanOrEqual(timeline.durationSeconds + 1e-6);
    expect(timeline.durationSeconds - covered).toBeLessThan(0.2);
    segments.forEach((segment, i) => {
      expect(segment.index).toBe(i);
      expect(segment.durationSeconds).toBeGreaterThan(0);
      if (i > 0) {
        const previous = segments[i - 1];
        expect(segment.timelineStartSeconds).toBeCloseTo(previous.timelineStartSeconds + previous.durationSeconds, 6);
        // Boundaries 0, F, F+S, F+2S, …
        expect(segment.timelineStartSeconds).toBeCloseTo(first + (i - 1) * length, 6);
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
      // [1, 2×7]: boundaries 0, 1, 3, 5, 7, 9, 11, 13.
      expect(segments).toHaveLength(8);
      expect(segments.map((s) => s.timelineStartSeconds)).toEqual([0, 1, 3, 5, 7, 9, 11, 13]);
    });

    it('maps the segment at timeline 3 s to wall clock T+8 (first file, after its inpoint)', () => {
      expect(segments[2].timelineStartSeconds).toBe(3);
      expect(segments[2].wallClockStartMs).toBe((T + 8) * 1000);
    });

    it('maps the segment at timeline 5 s to wall clock T+40 (second file, exactly after the gap)', () => {
      expect(segments[3].timelineStartSeconds).toBe(5);
      expect(segments[3].wallClockStartMs).toBe((T + 40) * 1000);
    });

    it('maps the segment at timeline 7 s to wall clock T+42 (second file, past its start)', () => {
      expect(segments[4].timelineStartSeconds).toBe(7);
      expect(segments[4].wallClockStartMs).toBe((T + 42) * 1000);
    });

    it('gives every segment the wall clock of its own piece, in epoch milliseconds', () => {
      expect(segments.map((s) => s.wallClockStartMs)).toEqual(
        [T + 5, T + 6, T + 8, T + 40, T + 42, T + 44, T + 46, T + 48].map((s) => s * 1000),
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
    // 43 s → one of 1 s, then seven of 6 s.
    expect(segments).toHaveLength(8);
    expect(segments[0]).toEqual({ index: 0, timelineStartSeconds: 0, durationSeconds: 1, wallClockStartMs: (T + 17) * 1000 });
    expect(segments.map((s) => s.durationSeconds)).toEqual([1, 6, 6, 6, 6, 6, 6, 6]);
    expect(segments.map((s) => s.timelineStartSeconds)).toEqual([0, 1, 7, 13, 19, 25, 31, 37]);
    expect(segments.map((s) => s.wallClockStartMs)).toEqual(
      [0, 1, 7, 13, 19, 25, 31, 37].map((start) => (T + 17 + start) * 1000),
    );
  });

  it('keeps millisecond precision of fractional wall clocks', () => {
    const timeline = planTimeline([file('/rec/a.mp4', T + 0.25, 20)], T + 0.25, T + 10.25);
    const segments = planSegments(timeline, 2);
    expect(segments[1].wallClockStartMs).toBe(T * 1000 + 1250);
    expect(segments[2].wallClockStartMs).toBe(T * 1000 + 3250);
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
