import { coverageOf } from './recording-coverage';
import { RecordingFile } from './recording-source.interface';

const T = 1_700_000_000;
const file = (offset: number, duration = 10): RecordingFile => ({ camera: 'c', path: `/r/${offset}.mp4`, startTime: T + offset, durationSeconds: duration });

describe('coverageOf', () => {
  it('merges back-to-back files into one span and reports the time around them as gaps', () => {
    expect(coverageOf([file(10), file(20), file(30)], T, T + 60)).toEqual({
      spans: [{ start: T + 10, end: T + 40 }],
      gaps: [
        { start: T, end: T + 10 },
        { start: T + 40, end: T + 60 },
      ],
    });
  });

  it('splits spans at a gap between files', () => {
    expect(coverageOf([file(0), file(40)], T, T + 50)).toEqual({
      spans: [
        { start: T, end: T + 10 },
        { start: T + 40, end: T + 50 },
      ],
      gaps: [{ start: T + 10, end: T + 40 }],
    });
  });

  it('treats files less than a second apart as continuous', () => {
    expect(coverageOf([file(0, 9.6), file(10)], T, T + 20).spans).toEqual([{ start: T, end: T + 20 }]);
  });

  it('clips files to the window', () => {
    expect(coverageOf([file(-5), file(25)], T, T + 30)).toEqual({
      spans: [
        { start: T, end: T + 5 },
        { start: T + 25, end: T + 30 },
      ],
      gaps: [{ start: T + 5, end: T + 25 }],
    });
  });

  it('reports the whole window as a gap when there are no files', () => {
    expect(coverageOf([], T, T + 30)).toEqual({ spans: [], gaps: [{ start: T, end: T + 30 }] });
  });
});
