import { RecordingFile } from './recording-source.interface';
import { planTimeline } from './recording-timeline';

const T = 1_710_075_600; // 2024-03-10T13:00:00Z

function file(name: string, startOffset: number, durationSeconds: number): RecordingFile {
  return { camera: 'front', path: `/rec/${name}.mp4`, startTime: T + startOffset, durationSeconds };
}

describe('planTimeline', () => {
  it('returns an empty timeline for no files', () => {
    expect(planTimeline([], T, T + 60)).toEqual({ pieces: [], durationSeconds: 0 });
  });

  it('cuts a range inside one file with an inpoint', () => {
    const a = file('a', 0, 60);
    expect(planTimeline([a], T + 10, T + 30)).toEqual({
      pieces: [
        {
          path: '/rec/a.mp4',
          fileStartTime: T,
          fileDurationSeconds: 60,
          inpointSeconds: 10,
          durationSeconds: 20,
          timelineOffsetSeconds: 0,
        },
      ],
      durationSeconds: 20,
    });
  });

  it('uses the whole file when the range covers it', () => {
    const timeline = planTimeline([file('a', 0, 60)], T - 100, T + 100);
    expect(timeline.pieces).toHaveLength(1);
    expect(timeline.pieces[0]).toMatchObject({ inpointSeconds: 0, durationSeconds: 60 });
    expect(timeline.durationSeconds).toBe(60);
  });

  it('collapses gaps between files and accumulates timeline offsets', () => {
    // a: 0-60, gap 60-100, b: 100-160, c: 160-220; range 30-200.
    const timeline = planTimeline([file('a', 0, 60), file('b', 100, 60), file('c', 160, 60)], T + 30, T + 200);
    expect(timeline.pieces.map((p) => [p.path, p.inpointSeconds, p.durationSeconds, p.timelineOffsetSeconds])).toEqual([
      ['/rec/a.mp4', 30, 30, 0],
      ['/rec/b.mp4', 0, 60, 30],
      ['/rec/c.mp4', 0, 40, 90],
    ]);
    // 170 s of wall clock, of which the 40 s gap is not played.
    expect(timeline.durationSeconds).toBe(130);
    expect(timeline.durationSeconds).toBe(timeline.pieces.reduce((sum, p) => sum + p.durationSeconds, 0));
  });

  it("plays an overlapping file whole before the next one, as Frigate's VOD mapping does", () => {
    // a runs 0-62 but b already starts at 60 (whole-second names, or a restarted recorder).
    const timeline = planTimeline([file('a', 0, 62), file('b', 60, 60)], T, T + 120);
    expect(timeline.pieces.map((p) => [p.path, p.inpointSeconds, p.durationSeconds, p.timelineOffsetSeconds])).toEqual([
      ['/rec/a.mp4', 0, 62, 0],
      ['/rec/b.mp4', 0, 60, 62],
    ]);
    // The sum of the durations, as Frigate's timeline counts them.
    expect(timeline.durationSeconds).toBe(122);
    expect(timeline.pieces[0].fileDurationSeconds).toBe(62);
  });

  it('plays two files with the same start one after the other', () => {
    const timeline = planTimeline([file('a', 0, 60), file('b', 0, 60)], T, T + 60);
    expect(timeline.pieces.map((p) => p.path)).toEqual(['/rec/a.mp4', '/rec/b.mp4']);
    expect(timeline.durationSeconds).toBe(120);
  });

  it('ends mid-file when the range ends there', () => {
    const timeline = planTimeline([file('a', 0, 60), file('b', 60, 60)], T, T + 90);
    expect(timeline.pieces.map((p) => [p.path, p.inpointSeconds, p.durationSeconds])).toEqual([
      ['/rec/a.mp4', 0, 60],
      ['/rec/b.mp4', 0, 30],
    ]);
    expect(timeline.durationSeconds).toBe(90);
  });

  it('leaves out files entirely before or after the range', () => {
    const timeline = planTimeline([file('a', 0, 60), file('b', 100, 60), file('c', 200, 60)], T + 100, T + 150);
    expect(timeline.pieces.map((p) => [p.path, p.durationSeconds])).toEqual([['/rec/b.mp4', 50]]);
    expect(timeline.durationSeconds).toBe(50);
  });

  it('skips slivers shorter than 0.1 s at either end, as Frigate does', () => {
    // The range starts 0.04 s before b and ends 0.03 s into c.
    const timeline = planTimeline([file('a', 0, 60), file('b', 60, 60), file('c', 120, 60)], T + 59.96, T + 120.03);
    expect(timeline.pieces.map((p) => p.path)).toEqual(['/rec/b.mp4']);
    expect(timeline.pieces[0].timelineOffsetSeconds).toBe(0);
    expect(timeline.pieces[0].inpointSeconds).toBe(0);
    expect(timeline.durationSeconds).toBe(60);
  });

  it('keeps short pieces that are not slivers', () => {
    const timeline = planTimeline([file('a', 0, 60), file('b', 60, 60)], T + 59.85, T + 60.2);
    expect(timeline.pieces.map((p) => p.path)).toEqual(['/rec/a.mp4', '/rec/b.mp4']);
    expect(timeline.pieces[0].durationSeconds).toBeCloseTo(0.15, 6);
    expect(timeline.pieces[1].durationSeconds).toBeCloseTo(0.2, 6);
    expect(timeline.pieces[1].timelineOffsetSeconds).toBeCloseTo(0.15, 6);
    expect(timeline.durationSeconds).toBeCloseTo(0.35, 6);
  });

  it('returns no pieces when the range falls in a gap', () => {
    expect(planTimeline([file('a', 0, 60), file('b', 100, 60)], T + 70, T + 90)).toEqual({
      pieces: [],
      durationSeconds: 0,
    });
  });
});
