import { RecordingFile, RecordingTimeline, TimelinePiece, planTimeline } from '@app/recordings';
import { planEncoderInput } from './encoder-input';
import { chooseRendition, planRenditionSegments, selectedFrames } from './rendition';
import {
  FIRST_SEGMENT_SECONDS,
  MAX_SEGMENTS_PER_RUN,
  PlannedSegment,
  framesOnTimeline,
  planRunSpan,
  planSegments,
  segmentStartingAt,
  wallClockAt,
} from './segment-plan';

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

  it('folds a tail under 0.5 s into the last segment, which ffmpeg makes as one (31.25 s → [1, 2×14, 2.25])', () => {
    const segments = planSegments(timelineOf(31.25), 2);
    expect(segments).toHaveLength(16);
    expect(segments[15].timelineStartSeconds).toBe(29);
    expect(segments[15].durationSeconds).toBeCloseTo(2.25, 6);
  });

  it('keeps a tail of 0.5 s or more as a short last segment (31.5 s → [1, 2×15, 0.5])', () => {
    const segments = planSegments(timelineOf(31.5), 2);
    expect(segments).toHaveLength(17);
    expect(segments[16].timelineStartSeconds).toBe(31);
    expect(segments[16].durationSeconds).toBeCloseTo(0.5, 6);
  });

  it('always plans the first segment, however short the range (0.2 s → [0.2])', () => {
    const segments = planSegments(timelineOf(0.2), 2);
    expect(segments).toHaveLength(1);
    expect(segments[0].durationSeconds).toBeCloseTo(0.2, 6);
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
      expect(segments.map((s) => s.wallClockStartMs)).toEqual([T + 5, T + 6, T + 8, T + 40, T + 42, T + 44, T + 46, T + 48].map((s) => s * 1000));
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
    expect(segments[0]).toEqual({ index: 0, timelineStartSeconds: 0, durationSeconds: 1, wallClockStartMs: (T + 17) * 1000, cutSeconds: 0 });
    expect(segments.map((s) => s.durationSeconds)).toEqual([1, 6, 6, 6, 6, 6, 6, 6]);
    expect(segments.map((s) => s.timelineStartSeconds)).toEqual([0, 1, 7, 13, 19, 25, 31, 37]);
    expect(segments.map((s) => s.wallClockStartMs)).toEqual([0, 1, 7, 13, 19, 25, 31, 37].map((start) => (T + 17 + start) * 1000));
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

/** A file whose header gave these frame times (seconds from its start). */
function fileWithFrames(path: string, startTime: number, durationSeconds: number, frameTimes: number[]): RecordingFile {
  return { ...file(path, startTime, durationSeconds), media: { video: { kind: 'video', codecTag: 'hvc1', frameTimes: Float64Array.from(frameTimes) } } };
}

/** Frames every 1/fps from `first` up to (not including) `seconds`. */
function grid(fps: number, seconds: number, first = 0): number[] {
  const frames: number[] = [];
  for (let n = 0; first + n / fps < seconds - 1e-9; n += 1) frames.push(first + n / fps);
  return frames;
}

describe('planSegments on the source frames', () => {
  it.each([
    // fps, range start into the file, segment length → first frame of each boundary after 0
    // Each boundary is the first frame at or after the last one plus the segment length.
    [12.5, 0, 2, [1.04, 3.04, 5.04, 7.04]],
    [12.5, 1, 2, [1, 3, 5, 7]],
    [12.5, 1.01, 2, [1.07, 3.07, 5.07, 7.07]],
    [6, 0.5, 2, [1, 3, 5, 7]],
    [6, 0.25, 2, [1.083333, 3.083333, 5.083333, 7.083333]],
    [30000 / 1001, 0, 2, [1.001, 3.003, 5.005, 7.007]],
    [25, 0.37, 2, [1.03, 3.03, 5.03, 7.03]],
  ])('%p fps, range from %p s into the file, %p s segments: every boundary is a frame', (fps, from, length, expected) => {
    const timeline = planTimeline([fileWithFrames('/rec/a.mp4', T, 12, grid(fps, 12))], T + from, T + 10);
    const segments = planSegments(timeline, length);
    const starts = segments.slice(1, 5).map((s) => s.timelineStartSeconds);
    starts.forEach((start, i) => expect(start).toBeCloseTo(expected[i], 5));
    // Each is a frame of the source, and no segment starts before the nominal boundary.
    // (Range times are epoch seconds: 1e-6 is their precision.)
    const frames = grid(fps, 12).map((t) => t - from);
    for (const segment of segments.slice(1)) {
      expect(frames.some((t) => Math.abs(t - segment.timelineStartSeconds) < 1e-6)).toBe(true);
    }
    // EXTINFs add up to the range, each the distance to the next segment's first frame.
    expect(sum(segments.map((s) => s.durationSeconds))).toBeCloseTo(10 - from, 6);
    segments.slice(0, -1).forEach((s, i) => expect(s.timelineStartSeconds + s.durationSeconds).toBeCloseTo(segments[i + 1].timelineStartSeconds, 9));
  });

  it('puts each cut between the boundary frame and the one before it, 5 ms before the frame at most', () => {
    const timeline = planTimeline([fileWithFrames('/rec/a.mp4', T, 12, grid(12.5, 12))], T, T + 12);
    const segments = planSegments(timeline, 2);
    expect(segments[0].cutSeconds).toBe(0);
    for (const segment of segments.slice(1)) {
      expect(segment.timelineStartSeconds - segment.cutSeconds).toBeCloseTo(0.005, 9);
    }
    // Frames closer than 10 ms apart (jitter): the cut is half-way between them.
    const jittered = planTimeline([fileWithFrames('/rec/a.mp4', T, 4, [0, 0.5, 0.996, 1.002, 1.5, 2, 3])], T, T + 4);
    const [, second] = planSegments(jittered, 2);
    expect(second.timelineStartSeconds).toBeCloseTo(1.002, 9);
    expect(second.cutSeconds).toBeCloseTo(0.999, 9);
  });

  it('follows jittered frame times (variable frame rate) exactly', () => {
    const frames = grid(15, 10).map((t, n) => t + (n % 3 === 1 ? 0.011 : n % 3 === 2 ? -0.007 : 0));
    const timeline = planTimeline([fileWithFrames('/rec/a.mp4', T, 10, frames)], T, T + 10);
    const segments = planSegments(timeline, 2);
    for (const segment of segments.slice(1)) {
      expect(frames).toContain(segment.timelineStartSeconds);
      const before = frames.filter((t) => t < segment.timelineStartSeconds).at(-1)!;
      expect(segment.cutSeconds).toBeGreaterThan(before);
      expect(segment.cutSeconds).toBeLessThan(segment.timelineStartSeconds);
    }
  });

  it('maps frames across files that are not 10 s long (4 s GOP: 12 s then 8 s files) and their small holes', () => {
    // Files named by whole seconds: the second starts 12 s after the first, the third 20 s after.
    const files = [
      fileWithFrames('/rec/a.mp4', T, 11.92, grid(12.5, 11.92)),
      fileWithFrames('/rec/b.mp4', T + 12, 7.92, grid(12.5, 7.92)),
      fileWithFrames('/rec/c.mp4', T + 20, 11.92, grid(12.5, 11.92)),
    ];
    const timeline = planTimeline(files, T + 5.3, T + 30.7);
    expect(timeline.durationSeconds).toBeCloseTo(6.62 + 7.92 + 10.7, 6);
    const segments = planSegments(timeline, 2);
    // A segment that starts in the second file shows its wall clock: the file's name plus the time into it.
    const inSecond = segments.find((s) => s.timelineStartSeconds > 6.62 && s.timelineStartSeconds < 6.62 + 7.92)!;
    expect(inSecond.wallClockStartMs).toBe(Math.round((T + 12 + inSecond.timelineStartSeconds - 6.62) * 1000));
    // …and lies on its 12.5 fps frame grid.
    expect(((inSecond.timelineStartSeconds - 6.62) * 12.5) % 1).toBeCloseTo(0, 4);
    for (const segment of segments) {
      expect(segment.durationSeconds).toBeGreaterThan(0.5);
      // At most a segment plus a folded tail under 0.5 s.
      expect(segment.durationSeconds).toBeLessThan(2.5);
    }
    expect(sum(segments.map((s) => s.durationSeconds))).toBeCloseTo(timeline.durationSeconds, 9);
  });

  it('plays overlapping files whole, one after the other, as Frigate does (no moment cut out), a segment starting at the second', () => {
    // The recorder restarted: the second file begins 3 s before the first one ends.
    const files = [fileWithFrames('/rec/a.mp4', T, 10, grid(10, 10)), fileWithFrames('/rec/b.mp4', T + 7, 10, grid(10, 10))];
    const timeline = planTimeline(files, T, T + 17);
    expect(timeline.durationSeconds).toBe(20);
    const segments = planSegments(timeline, 2);
    const second = segments.find((s) => s.timelineStartSeconds >= 10)!;
    expect(second.timelineStartSeconds).toBe(10);
    expect(second.wallClockStartMs).toBe((T + 7) * 1000);
    expect(segments[second.index + 1]).toMatchObject({ timelineStartSeconds: 12, wallClockStartMs: (T + 9) * 1000 });
  });

  it('folds a tail shorter than 0.5 s into the last segment', () => {
    const timeline = planTimeline([fileWithFrames('/rec/a.mp4', T, 5.3, grid(10, 5.3))], T, T + 5.3);
    const segments = planSegments(timeline, 2);
    expect(segments.map((s) => s.timelineStartSeconds)).toEqual([0, 1, 3]);
    expect(segments[2].durationSeconds).toBeCloseTo(2.3, 6);
  });
});

describe('segmentStartingAt', () => {
  const timeline = planTimeline([fileWithFrames('/rec/a.mp4', T, 12, grid(12.5, 12))], T, T + 12);
  const segments = planSegments(timeline, 2);

  it.each([
    ['the planned frame', 3.12, 2],
    ['a hair before it (rounding)', 3.1195, 2],
    ['a frame after it (nominal plan)', 3.2, 2],
    ['the last segment', 11.5, segments.length - 1],
    ['the first', 0, 0],
  ])('a segment listed as starting at %s (%p s) is #%p', (_, start, expected) => {
    expect(segmentStartingAt(segments, start)).toBe(expected);
  });
});

describe('planRunSpan', () => {
  /** Segments starting every 2 s after a 1 s first one, each cut 5 ms before its first frame. */
  function segmentsOf(count: number): PlannedSegment[] {
    return Array.from({ length: count }, (_, index) => {
      const start = index === 0 ? 0 : 1 + (index - 1) * 2;
      return { index, timelineStartSeconds: start, durationSeconds: index === 0 ? 1 : 2, wallClockStartMs: 0, cutSeconds: index === 0 ? 0 : start - 0.005 };
    });
  }

  it.each([
    // segments, total, start index → duration, keyframe times (first ones)
    ['a run from the start', 5, 9, 0, 9, [0.995, 2.995, 4.995, 6.995]],
    ['a run from #2 (a seek)', 5, 9, 2, 9 - 2.995, [2, 4]],
    ['a run from the last segment', 5, 9, 4, 9 - 6.995, []],
  ])('%s: to the end of the range, a keyframe at every later cut, timed from its own cut', (_, count, total, index, duration, keyframes) => {
    const span = planRunSpan(segmentsOf(count as number), total as number, index as number);
    expect(span.durationSeconds).toBeCloseTo(duration as number, 9);
    expect(span.keyframeTimes).toHaveLength((keyframes as number[]).length);
    span.keyframeTimes.forEach((time, i) => expect(time).toBeCloseTo((keyframes as number[])[i], 9));
  });

  it(`stops a run after ${MAX_SEGMENTS_PER_RUN} segments, at the next segment's cut, so its keyframe list stays one short argument`, () => {
    const segments = segmentsOf(MAX_SEGMENTS_PER_RUN + 500);
    const span = planRunSpan(segments, 1e6, 100);
    expect(span.keyframeTimes).toHaveLength(MAX_SEGMENTS_PER_RUN - 1);
    expect(span.durationSeconds).toBeCloseTo(segments[100 + MAX_SEGMENTS_PER_RUN].cutSeconds - segments[100].cutSeconds, 9);
    expect(span.keyframeTimes.join(',').length).toBeLessThan(64 * 1024);
  });

  it.each([
    // the segment whose run ends, where, the start index → duration, keyframe times
    ['a head (#0): the run makes it alone, to the next cut', 0, 0.995, 0, 0.995, []],
    ['a tail after a gap in the plan (#3, started at #3), to the range’s end', 3, 6.5, 3, 6.5 - 4.995, []],
    ['a run from #1 that reaches #2, which ends it', 2, 4.995, 1, 4.995 - 0.995, [2]],
  ])('%s', (_, endsAt, endSeconds, index, duration, keyframes) => {
    const segments = segmentsOf(5).map((segment) => (segment.index === endsAt ? { ...segment, runEndSeconds: endSeconds as number } : segment));
    const span = planRunSpan(segments, 9, index as number);
    expect(span.durationSeconds).toBeCloseTo(duration as number, 9);
    expect(span.keyframeTimes).toHaveLength((keyframes as number[]).length);
    span.keyframeTimes.forEach((time, i) => expect(time).toBeCloseTo((keyframes as number[])[i], 9));
  });
});

describe('planSegments at a change of format', () => {
  const h264 = (path: string, start: number) => ({
    ...fileWithFrames(path, start, 10, grid(25, 10)),
    media: { video: { kind: 'video' as const, codecTag: 'avc1', width: 320, height: 240, frameTimes: Float64Array.from(grid(25, 10)) } },
  });
  const hevc = (path: string, start: number) => ({
    ...fileWithFrames(path, start, 10, grid(25, 10, 0.08)),
    media: { video: { kind: 'video' as const, codecTag: 'hvc1', width: 320, height: 240, frameTimes: Float64Array.from(grid(25, 10, 0.08)) } },
  });
  const timeline = planTimeline([h264('/rec/a.mp4', T), h264('/rec/b.mp4', T + 10), hevc('/rec/c.mp4', T + 20), hevc('/rec/d.mp4', T + 30)], T + 3.3, T + 40);
  const segments = planSegments(timeline, 2);

  it('puts a boundary at the first frame of the new codec, cut at its file start, off the grid', () => {
    const change = segments.filter((s) => s.startsNewFormat);
    expect(change).toHaveLength(1);
    // c.mp4 starts 16.7 s into the range; its first frame 0.08 s later.
    expect(change[0].cutSeconds).toBeCloseTo(16.7, 6);
    expect(change[0].timelineStartSeconds).toBeCloseTo(16.78, 6);
    expect(change[0].wallClockStartMs).toBe((T + 20) * 1000 + 80);
  });

  it('keeps the change when the new recordings hold no frame in the range (no run reads into them)', () => {
    // The H.265 file's frames begin past the range's end: none to start a segment at.
    const late = {
      ...hevc('/rec/c.mp4', T + 20),
      media: { video: { kind: 'video' as const, codecTag: 'hvc1', width: 320, height: 240, frameTimes: Float64Array.from([5, 6]) } },
    };
    const short = planTimeline([h264('/rec/a.mp4', T), h264('/rec/b.mp4', T + 10), late], T, T + 24);
    const planned = planSegments(short, 2);
    expect(planned.filter((s) => s.startsNewFormat)).toEqual([expect.objectContaining({ timelineStartSeconds: 20, cutSeconds: 20 })]);
  });

  it("ends a run at the change and keeps the other codec's files out of its input", () => {
    const change = segments.findIndex((s) => s.startsNewFormat);
    const span = planRunSpan(segments, timeline.durationSeconds, 2);
    expect(span.durationSeconds).toBeCloseTo(segments[change].cutSeconds - segments[2].cutSeconds, 9);
    expect(span.keyframeTimes).toHaveLength(change - 3);
    const input = planEncoderInput(timeline, segments[2].cutSeconds, segments[2].cutSeconds + span.durationSeconds);
    expect(input.entries.map((e) => e.path)).toEqual(['/rec/a.mp4', '/rec/b.mp4']);
    const after = planEncoderInput(timeline, segments[change].cutSeconds);
    expect(after.entries[0].path).toBe('/rec/c.mp4');
    expect(after.inputOffsetSeconds).toBe(0);
    expect(after.firstPiece.media?.video?.codecTag).toBe('hvc1');
  });
});

/**
 * The largest distance, over the frames a session shows, between a frame's camera time (its
 * file's name plus its time in the file) and where its segment puts it (PROGRAM-DATE-TIME plus
 * its offset in the segment). `shown`: the frames on the timeline a rendition outputs.
 */
function worstClockError(
  timeline: RecordingTimeline,
  segments: readonly PlannedSegment[],
  shown: (piece: TimelinePiece) => number[] = (piece) => framesOnTimeline(piece) ?? [],
): number {
  let worst = 0;
  for (const piece of timeline.pieces) {
    for (const time of shown(piece)) {
      if (time < segments[0].timelineStartSeconds - 1e-6) continue;
      const segment = segments.filter((s) => s.timelineStartSeconds <= time + 1e-6).at(-1)!;
      const cameraTime = piece.fileStartTime + piece.inpointSeconds + (time - piece.timelineOffsetSeconds);
      worst = Math.max(worst, Math.abs(cameraTime - (segment.wallClockStartMs / 1000 + time - segment.timelineStartSeconds)));
    }
  }
  return worst;
}

/** Files named `names` seconds after T, each `durations[i]` long with frames at `fps` from 0. */
function camera(fps: number, names: number[], durations: number[]): RecordingFile[] {
  return names.map((name, i) => fileWithFrames(`/rec/${i}.mp4`, T + name, durations[i], grid(fps, durations[i])));
}

describe('planSegments where the camera’s clock jumps: a segment starts at the first frame after it', () => {
  it.each([
    // what, files, range (s after T), segment length → segment starts (timeline), PDT of the jump's segment (s after T)
    [
      'a 60 s gap: the grid boundary 0.4 s before it is left out (no sliver), the grid counts on from the jump',
      camera(10, [0, 70], [10, 10]),
      [0.6, 80],
      2,
      [0, 1, 3, 5, 7, 9.4, 11.4, 13.4, 15.4, 17.4],
      [9.4, 70],
    ],
    [
      'a recorder restart: the new file overlaps the last by 1.5 s',
      camera(10, [0, 8.5], [10, 10]),
      [0, 18.5],
      2,
      [0, 1, 3, 5, 7, 9, 10, 12, 14, 16, 18],
      [10, 8.5],
    ],
    [
      'files a frame shorter than their whole-second names (12.5 fps, 4 s GOP: 12 s and 8 s apart)',
      camera(12.5, [0, 12, 20], [11.92, 7.92, 11.92]),
      [0, 31.76],
      2,
      [0, 1.04, 3.04, 5.04, 7.04, 9.04, 11.04, 11.92, 13.92, 15.92, 17.92, 19.84, 21.84, 23.84, 25.84, 27.84, 29.84],
      [11.92, 12],
    ],
    [
      'files longer than their names say (audio past the video: 12.16 s, named 12 s apart)',
      camera(25, [0, 12], [12.16, 8]),
      [0, 20],
      2,
      [0, 1, 3, 5, 7, 9, 11, 12.16, 14.16, 16.16, 18.16],
      [12.16, 12],
    ],
    [
      'half-second segments: a sliver is under a quarter second',
      camera(10, [0, 70], [2.6, 3]),
      [0, 73],
      0.5,
      [0, 0.5, 1, 1.5, 2, 2.6, 3.1, 3.6, 4.1, 4.6, 5.1],
      [2.6, 70],
    ],
  ])('%s', (_, files, [from, to], length, starts, [jumpStart, jumpWallClock]) => {
    const timeline = planTimeline(files, T + from, T + to);
    const segments = planSegments(timeline, length);
    expect(segments.map((s) => Math.round(s.timelineStartSeconds * 1000) / 1000)).toEqual(starts);
    const atJump = segments.find((s) => Math.abs(s.timelineStartSeconds - jumpStart) < 1e-6)!;
    expect(atJump.wallClockStartMs).toBe(Math.round((T + jumpWallClock) * 1000));
    // Every frame is at its segment's PROGRAM-DATE-TIME plus its offset (to the millisecond PDT is written in).
    expect(worstClockError(timeline, segments)).toBeLessThan(0.0006);
    // Back to back, none longer than a segment and a sliver.
    segments.slice(1).forEach((s, i) => expect(s.timelineStartSeconds).toBeCloseTo(segments[i].timelineStartSeconds + segments[i].durationSeconds, 9));
    for (const s of segments) expect(s.durationSeconds).toBeLessThan(length + Math.min(0.5, length / 2) + 1e-6);
  });

  it('cuts a jump as any boundary: 5 ms before the frame, a run reads across it with a keyframe forced there, and the segment listed there is the one after it', () => {
    const timeline = planTimeline(camera(10, [0, 70], [10, 10]), T, T + 80);
    const segments = planSegments(timeline, 2);
    const jump = segments.findIndex((s) => s.timelineStartSeconds === 10);
    expect(segments[jump]).toEqual({ index: jump, timelineStartSeconds: 10, durationSeconds: 2, wallClockStartMs: (T + 70) * 1000, cutSeconds: 9.995 });
    expect(segments[jump - 1]).toMatchObject({ timelineStartSeconds: 9, durationSeconds: 1 });
    const span = planRunSpan(segments, timeline.durationSeconds, 2);
    expect(span.durationSeconds).toBeCloseTo(20 - segments[2].cutSeconds, 9);
    expect(span.keyframeTimes.map((time) => Math.round((time + segments[2].cutSeconds) * 1000) / 1000)).toContain(9.995);
    expect(segmentStartingAt(segments, 10)).toBe(jump);
    expect(segmentStartingAt(segments, 9.9)).toBe(jump - 1);
  });

  it('lets the clock wander less than half a frame (25 fps: 20 ms), and adds such small jumps up until they pass it', () => {
    // Files 10.015 s long named 10 s apart: the clock steps back 15 ms at each.
    const timeline = planTimeline(camera(25, [0, 10, 20, 30], [10.015, 10.015, 10.015, 10.015]), T, T + 40.06);
    const segments = planSegments(timeline, 2);
    // 15 ms at the second file: no segment starts there; 30 ms by the third: one does; 15 ms at the fourth: none.
    const atFiles = timeline.pieces.slice(1).map((piece) => segments.some((s) => Math.abs(s.timelineStartSeconds - piece.timelineOffsetSeconds) < 1e-6));
    expect(atFiles).toEqual([false, true, false]);
    expect(worstClockError(timeline, segments)).toBeLessThan(0.02 + 0.0006);
    // Without the rule the error would have grown to 45 ms by the fourth file: one PROGRAM-DATE-TIME for 2 s hides it no more.
  });

  it('starts a segment at the file where frame times are unknown (nominal: ffmpeg cuts at the first frame after)', () => {
    const timeline = planTimeline([file('/rec/a.mp4', T, 10), file('/rec/b.mp4', T + 40, 10)], T, T + 50);
    const segments = planSegments(timeline, 2);
    expect(segments.find((s) => s.timelineStartSeconds === 10)).toMatchObject({ cutSeconds: 10, wallClockStartMs: (T + 40) * 1000 });
  });

  it('keeps a segment that a jump 0.3 s before the range’s end leaves (the frames after it are the other side of a gap)', () => {
    const timeline = planTimeline(camera(10, [0, 70], [10, 10]), T + 0.7, T + 70.3);
    const segments = planSegments(timeline, 2);
    expect(segments.at(-1)!.timelineStartSeconds).toBeCloseTo(9.3, 6);
    expect(segments.at(-1)!.wallClockStartMs).toBe((T + 70) * 1000);
    expect(segments.at(-1)!.durationSeconds).toBeCloseTo(0.3, 6);
  });
});

describe('planRenditionSegments where the camera’s clock jumps', () => {
  /** H.264 files of 10 fps with a keyframe every `gop` s from `firstKeyframe`. */
  function h264(path: string, start: number, seconds: number, firstKeyframe = 0, gop = 2): RecordingFile {
    const frames = grid(10, seconds);
    const keyframes = frames.filter((t) => t >= firstKeyframe - 1e-9 && Math.abs(((t - firstKeyframe) / gop) % 1) < 1e-6);
    return {
      ...file(path, start, seconds),
      media: {
        video: {
          kind: 'video',
          codecTag: 'avc1',
          width: 320,
          height: 240,
          avc: { profile: 66, compatibility: 0xc0, level: 30 },
          frameTimes: Float64Array.from(frames),
          keyframeTimes: Float64Array.from(keyframes),
        },
      },
    };
  }

  it('copied H.264: a file after a gap starts on a keyframe (Frigate cuts there), so a segment starts at it and every frame is exact', () => {
    // A 3 s GOP: keyframes at 0, 3, 6, 9 of each file; the grid alone would pass over the second file's start.
    const timeline = planTimeline([h264('/rec/a.mp4', T, 10, 0, 3), h264('/rec/b.mp4', T + 70, 10, 0, 3)], T, T + 80);
    const rendition = chooseRendition(timeline.pieces, 1);
    expect(rendition.video.mode).toBe('copy');
    const segments = planRenditionSegments(timeline, 2, rendition);
    expect(segments.map((s) => s.timelineStartSeconds)).toEqual([0, 3, 6, 9, 10, 13, 16, 19]);
    expect(segments[4]).toMatchObject({ wallClockStartMs: (T + 70) * 1000, cutSeconds: 9.995 });
    expect(worstClockError(timeline, segments)).toBeLessThan(0.0006);
  });

  it('copied H.264 whose file after a jump starts between keyframes: the segment starts at its first keyframe, and the frames before it keep the clock of the segment before (a copy can cut nowhere else)', () => {
    const timeline = planTimeline([h264('/rec/a.mp4', T, 10, 0, 3), h264('/rec/b.mp4', T + 70, 10, 0.5, 3)], T, T + 80);
    const segments = planRenditionSegments(timeline, 2, chooseRendition(timeline.pieces, 1));
    const atKeyframe = segments.find((s) => s.timelineStartSeconds > 10 - 1e-9)!;
    expect(atKeyframe.timelineStartSeconds).toBeCloseTo(10.5, 9);
    expect(atKeyframe.wallClockStartMs).toBe((T + 70.5) * 1000);
    expect(atKeyframe.cutSeconds).toBeCloseTo(10.495, 9);
    // Off by the gap: the five frames between the file's start and its keyframe, and no other.
    const second = timeline.pieces[1];
    expect(
      worstClockError(timeline, segments, (piece) => (piece === second ? framesOnTimeline(piece)!.filter((t) => t >= 10.5 - 1e-9) : framesOnTimeline(piece)!)),
    ).toBeLessThan(0.0006);
    expect(worstClockError(timeline, segments)).toBeCloseTo(60, 3);
  });

  it('a fast rendition: a segment starts at the first frame it keeps after a gap; jumps under half an output frame do not cut', () => {
    // 25 fps files 10.04 s long, named 10 s apart (40 ms back at each), then a 60 s gap.
    const files = camera(25, [0, 10, 20, 90], [10.04, 10.04, 10.04, 10.04]);
    const timeline = planTimeline(files, T, T + 100.04);
    const rendition = chooseRendition(timeline.pieces, 4);
    if (rendition.video.mode !== 'fast' || !rendition.video.select) throw new Error('expected a selecting fast rendition');
    const select = rendition.video.select;
    // 4× at 15 frames a second: 4/15 s of recordings between output frames, 133 ms of wander allowed.
    expect(select.stepSeconds).toBeCloseTo(4 / 15, 9);
    const segments = planRenditionSegments(timeline, 2, rendition);
    const kept = new Set(
      selectedFrames(
        timeline.pieces.flatMap((piece) => framesOnTimeline(piece)!),
        select,
      ),
    );
    const shown = (piece: TimelinePiece) => framesOnTimeline(piece)!.filter((time) => kept.has(time));
    const gapStart = timeline.pieces[3].timelineOffsetSeconds;
    const firstKept = shown(timeline.pieces[3])[0];
    const atGap = segments.find((s) => s.timelineStartSeconds >= gapStart - 1e-9)!;
    expect(atGap.timelineStartSeconds).toBe(firstKept);
    expect(atGap.wallClockStartMs).toBe(Math.round((T + 90 + firstKept - gapStart) * 1000));
    // The 40 ms steps (80 ms by the third file) stay inside one output frame: no cut at them.
    const grid4 = (s: PlannedSegment) =>
      s.index === 0 ||
      s.timelineStartSeconds >= gapStart - 1e-9 ||
      Math.abs(((s.timelineStartSeconds - 4) / 8) % 1) < 0.05 ||
      ((s.timelineStartSeconds - 4) / 8) % 1 > 0.95;
    expect(segments.every(grid4)).toBe(true);
    expect(worstClockError(timeline, segments, shown)).toBeLessThan(4 / 15 / 2);
    // At 1× each 40 ms step is a frame: every file starts a segment.
    const normal = planSegments(timeline, 2);
    for (const piece of timeline.pieces.slice(1)) expect(normal.some((s) => Math.abs(s.timelineStartSeconds - piece.timelineOffsetSeconds) < 1e-9)).toBe(true);
  });
});
