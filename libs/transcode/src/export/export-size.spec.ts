import { estimateExportBytes, mp4IndexAllowance } from './export-size';

describe('estimateExportBytes', () => {
  it.each([
    ['the sample’s rate over the whole range, with the index', 300, 1_000_000, 10, 30_000_000 + mp4IndexAllowance(300)],
    ['a range read whole in the sample: its bytes, with the index', 8, 800_000, 8, 800_000 + mp4IndexAllowance(8)],
    ['never less than the sample itself', 5, 900_000, 10, 900_000 + mp4IndexAllowance(5)],
    ['an empty sample: the index only', 60, 0, 0, mp4IndexAllowance(60)],
  ])('%s', (_name, total, bytes, seconds, expected) => {
    expect(estimateExportBytes(total, bytes, seconds)).toBe(expected);
  });

  it('allows more index than the 125 KB ffmpeg wrote for 300 s of 15 fps video with 48 kHz AAC', () => {
    expect(mp4IndexAllowance(300)).toBeGreaterThan(125_284 * 2);
  });
});
