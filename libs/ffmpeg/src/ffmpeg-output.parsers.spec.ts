import { firstValueFrom, from, toArray } from 'rxjs';
import { FfmpegProgress, failureReason, parseSegmentListLine, toProgressReports } from './ffmpeg-output.parsers';

describe('parseSegmentListLine', () => {
  it.each([
    ['seg_00000.ts,0.000000,2.000000', { fileName: 'seg_00000.ts', startSeconds: 0, endSeconds: 2 }],
    ['seg_00012.ts,24.000000,26.033333', { fileName: 'seg_00012.ts', startSeconds: 24, endSeconds: 26.033333 }],
    ['"seg_00001.ts",2.000000,4.000000', { fileName: 'seg_00001.ts', startSeconds: 2, endSeconds: 4 }],
    ['seg_00003.ts,6,8', { fileName: 'seg_00003.ts', startSeconds: 6, endSeconds: 8 }],
    ['seg_00000.ts,-0.023220,1.976780', { fileName: 'seg_00000.ts', startSeconds: -0.02322, endSeconds: 1.97678 }],
    ['  seg_00004.ts,8.0,10.0\r', { fileName: 'seg_00004.ts', startSeconds: 8, endSeconds: 10 }],
  ])('parses %j', (line, expected) => {
    expect(parseSegmentListLine(line)).toEqual(expected);
  });

  it.each(['', '   ', 'garbage', 'seg_00000.ts', 'seg_00000.ts,0.0', 'seg_00000.ts,abc,2.0', 'seg_00000.ts,0.0,2.0,extra', ',0.0,2.0', 'frame=10'])(
    'returns null for %j',
    (line) => {
      expect(parseSegmentListLine(line)).toBeNull();
    },
  );
});

describe('toProgressReports', () => {
  const collect = (lines: string[]): Promise<FfmpegProgress[]> => firstValueFrom(toProgressReports(from(lines)).pipe(toArray()));

  it('emits one report per block (continue, then end)', async () => {
    const reports = await collect([
      'frame=15',
      'fps=0.00',
      'bitrate=N/A',
      'out_time_us=1500000',
      'out_time_ms=1500000',
      'out_time=00:00:01.500000',
      'speed=1.5x',
      'progress=continue',
      'frame=45',
      'fps=30.00',
      'out_time_us=3000000',
      'out_time_ms=3000000',
      'out_time=00:00:03.000000',
      'speed=N/A',
      'progress=end',
    ]);
    expect(reports).toEqual([
      { outTimeSeconds: 1.5, speed: 1.5, frame: 15, done: false },
      { outTimeSeconds: 3, speed: null, frame: 45, done: true },
    ]);
  });

  it('parses speeds like "0.75x" and " 12x"', async () => {
    const reports = await collect(['speed=0.75x', 'progress=continue', 'speed= 12x', 'progress=continue']);
    expect(reports.map((r) => r.speed)).toEqual([0.75, 12]);
  });

  it('starts every block empty: fields of the previous block do not leak into the next', async () => {
    const reports = await collect(['frame=10', 'out_time_us=1000000', 'speed=2x', 'progress=continue', 'progress=continue']);
    expect(reports).toEqual([
      { outTimeSeconds: 1, speed: 2, frame: 10, done: false },
      { outTimeSeconds: 0, speed: null, frame: 0, done: false },
    ]);
  });

  it('falls back to out_time_ms (also microseconds) and treats N/A or negative times as 0', async () => {
    const reports = await collect([
      'out_time_ms=2500000',
      'progress=continue',
      'out_time_us=N/A',
      'progress=continue',
      'out_time_us=-23220',
      'progress=continue',
    ]);
    expect(reports.map((r) => r.outTimeSeconds)).toEqual([2.5, 0, 0]);
  });

  it('emits nothing for a trailing block without a progress line', async () => {
    const reports = await collect(['frame=1', 'out_time_us=100000', 'progress=continue', 'frame=2', 'out_time_us=200000']);
    expect(reports).toHaveLength(1);
    expect(reports[0].frame).toBe(1);
  });

  it('ignores lines that are not key=value without emitting a report', async () => {
    const reports = await collect(['frame=5', 'not a field', '=oops', 'out_time_us=500000', 'progress=end']);
    expect(reports).toEqual([{ outTimeSeconds: 0.5, speed: null, frame: 5, done: true }]);
  });

  it('emits nothing for no input', async () => {
    expect(await collect([])).toEqual([]);
  });
});

describe('failureReason', () => {
  it.each([
    [
      "an unknown codec, before ffmpeg's advice and its map error",
      [
        '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d23cb6c340] Could not find codec parameters for stream 0 (Video: none (zzzz / 0x7A7A7A7A)): unknown codec',
        "Consider increasing the value for the 'analyzeduration' (0) and 'probesize' (5000000) options",
        "Stream map '0:v:0' matches no streams.",
      ],
      'Could not find codec parameters for stream 0 (Video: none (zzzz / 0x7A7A7A7A)): unknown codec',
    ],
    [
      'corrupt data after an AAC warning',
      ['[aac @ 0x1] Too many bits 8832.000000 > 6144 per frame requested, clamping to max', '[hevc @ 0x2] Invalid NAL unit size (1234 > 567).'],
      'Invalid NAL unit size (1234 > 567).',
    ],
    ['a truncated file', ['[mov,mp4,m4a,3gp,3g2,mj2 @ 0xabc] moov atom not found'], 'moov atom not found'],
    ['only warnings', ['[aac @ 0x1] Too many bits per frame requested, clamping to max'], null],
    ['nothing', [], null],
  ])('%s', (_, lines, expected) => {
    expect(failureReason(lines)).toBe(expected);
  });
});
