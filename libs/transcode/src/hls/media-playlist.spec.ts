import { renderVodPlaylist } from './media-playlist';
import { segmentUri } from './hls-names';
import type { PlannedSegment } from '../plan/segment-plan';

// 2024-01-15T10:00:00.000Z
const T0_MS = Date.UTC(2024, 0, 15, 10, 0, 0, 0);

const threeSegments: PlannedSegment[] = [
  { index: 0, timelineStartSeconds: 0, durationSeconds: 2, wallClockStartMs: T0_MS, cutSeconds: 0 },
  { index: 1, timelineStartSeconds: 2, durationSeconds: 2, wallClockStartMs: T0_MS + 2000, cutSeconds: 1.995 },
  // After a collapsed 30.5 s gap: wall clock jumps, the timeline does not.
  { index: 2, timelineStartSeconds: 4, durationSeconds: 1.966667, wallClockStartMs: T0_MS + 4000 + 30500, cutSeconds: 3.995 },
];

function segmentsOf(durations: readonly number[]): PlannedSegment[] {
  let start = 0;
  return durations.map((durationSeconds, index) => {
    const segment = { index, timelineStartSeconds: start, durationSeconds, wallClockStartMs: T0_MS + start * 1000, cutSeconds: start };
    start += durationSeconds;
    return segment;
  });
}

const targetOf = (text: string) => Number(/^#EXT-X-TARGETDURATION:(\d+)$/m.exec(text)?.[1]);
const urisOf = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('segmentUri', () => {
  it.each([
    [0, 'seg_00000.ts'],
    [7, 'seg_00007.ts'],
    [42, 'seg_00042.ts'],
    [12345, 'seg_12345.ts'],
  ])('%p → %p', (index, expected) => {
    expect(segmentUri(index)).toBe(expected);
  });
});

describe('renderVodPlaylist', () => {
  it('renders the exact complete VOD playlist of a 3-segment plan', () => {
    expect(renderVodPlaylist(threeSegments)).toBe(
      '#EXTM3U\n' +
        '#EXT-X-VERSION:3\n' +
        '#EXT-X-TARGETDURATION:2\n' +
        '#EXT-X-MEDIA-SEQUENCE:0\n' +
        '#EXT-X-PLAYLIST-TYPE:VOD\n' +
        '#EXT-X-PROGRAM-DATE-TIME:2024-01-15T10:00:00.000Z\n' +
        '#EXTINF:2.000,\n' +
        'seg_00000.ts\n' +
        '#EXT-X-PROGRAM-DATE-TIME:2024-01-15T10:00:02.000Z\n' +
        '#EXTINF:2.000,\n' +
        'seg_00001.ts\n' +
        '#EXT-X-PROGRAM-DATE-TIME:2024-01-15T10:00:34.500Z\n' +
        '#EXTINF:1.967,\n' +
        'seg_00002.ts\n' +
        '#EXT-X-ENDLIST\n',
    );
  });

  it('puts a PROGRAM-DATE-TIME line (ISO, milliseconds) right before every EXTINF', () => {
    const lines = renderVodPlaylist(threeSegments).split('\n');
    const extinfs = lines.flatMap((line, i) => (line.startsWith('#EXTINF:') ? [i] : []));
    expect(extinfs).toHaveLength(3);
    extinfs.forEach((i, n) => {
      expect(lines[i - 1]).toBe(`#EXT-X-PROGRAM-DATE-TIME:${new Date(threeSegments[n].wallClockStartMs).toISOString()}`);
      expect(lines[i - 1]).toMatch(/^#EXT-X-PROGRAM-DATE-TIME:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
  });

  it('writes every EXTINF with exactly 3 decimals', () => {
    const text = renderVodPlaylist(segmentsOf([2, 1.5, 0.1234, 2.0006]));
    expect(text.match(/^#EXTINF:.*$/gm)).toEqual(['#EXTINF:2.000,', '#EXTINF:1.500,', '#EXTINF:0.123,', '#EXTINF:2.001,']);
  });

  it('writes EXTINFs that add up to every segment’s start, to the millisecond, however many come before (rounded lengths would drift)', () => {
    // 20.02 fps frames: every length ends in half a millisecond or so.
    const lengths = Array.from({ length: 60 }, (_, i) => (i % 2 ? 1.9985 : 2.0485));
    const segments = segmentsOf(lengths);
    for (const speed of [1, 4]) {
      const extinfs = (renderVodPlaylist(segments, { speed }).match(/^#EXTINF:([\d.]+),$/gm) ?? []).map((line) => Number(line.slice(8, -1)));
      let sum = 0;
      segments.forEach((segment, i) => {
        expect(Math.abs(sum - segment.timelineStartSeconds / speed)).toBeLessThanOrEqual(0.0005 + 1e-9);
        sum += extinfs[i];
      });
    }
  });

  it('ends with ENDLIST as its last line, and says VOD', () => {
    const text = renderVodPlaylist(threeSegments);
    expect(text.endsWith('\n#EXT-X-ENDLIST\n')).toBe(true);
    expect(text.match(/#EXT-X-ENDLIST/g)).toHaveLength(1);
    expect(text).toMatch(/^#EXT-X-PLAYLIST-TYPE:VOD$/m);
  });

  it.each([
    [[2, 2], 2],
    // RFC 8216: each EXTINF rounded to the nearest integer must be <= the target, so 2.4 still fits 2.
    [[2, 2.4], 2],
    [[2, 2.6], 3],
    // 8.5 rounds (half up) to 9.
    [[6, 8.5], 9],
    // Never below 1.
    [[0.3], 1],
  ])('segments %p → TARGETDURATION %p', (durations, expected) => {
    const text = renderVodPlaylist(segmentsOf(durations));
    expect(targetOf(text)).toBe(expected);
    for (const duration of durations) expect(Math.round(duration)).toBeLessThanOrEqual(targetOf(text));
  });

  it('appends the query to every segment URI and nowhere else', () => {
    const text = renderVodPlaylist(threeSegments, { query: 'token=abc.def' });
    expect(urisOf(text)).toEqual(['seg_00000.ts?token=abc.def', 'seg_00001.ts?token=abc.def', 'seg_00002.ts?token=abc.def']);
    expect(text.match(/\?token=abc\.def/g)).toHaveLength(3);
    for (const line of text.split('\n').filter((l) => l.startsWith('#'))) expect(line).not.toContain('token');
  });

  it.each([
    ['absent (no options)', undefined],
    ['absent (empty options)', {}],
    ['undefined', { query: undefined }],
    ['empty', { query: '' }],
  ])('adds no "?" when the query is %s', (_name, options) => {
    const text = renderVodPlaylist(threeSegments, options);
    expect(text).not.toContain('?');
    expect(urisOf(text)).toEqual(['seg_00000.ts', 'seg_00001.ts', 'seg_00002.ts']);
  });
});
