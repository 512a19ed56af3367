import { renderEventPlaylist } from './media-playlist';

const twoSegments = [
  { fileName: 'seg_00000.ts', durationSeconds: 2 },
  { fileName: 'seg_00001.ts', durationSeconds: 1.966667 },
];

describe('renderEventPlaylist', () => {
  it('renders an incomplete playlist without ENDLIST', () => {
    expect(renderEventPlaylist(twoSegments, { targetDurationSeconds: 2, complete: false })).toBe(
      '#EXTM3U\n' +
        '#EXT-X-VERSION:3\n' +
        '#EXT-X-TARGETDURATION:2\n' +
        '#EXT-X-MEDIA-SEQUENCE:0\n' +
        '#EXT-X-PLAYLIST-TYPE:EVENT\n' +
        '#EXTINF:2.000,\n' +
        'seg_00000.ts\n' +
        '#EXTINF:1.967,\n' +
        'seg_00001.ts\n',
    );
  });

  it('renders a complete playlist with ENDLIST as its last line', () => {
    expect(renderEventPlaylist(twoSegments, { targetDurationSeconds: 2, complete: true })).toBe(
      '#EXTM3U\n' +
        '#EXT-X-VERSION:3\n' +
        '#EXT-X-TARGETDURATION:2\n' +
        '#EXT-X-MEDIA-SEQUENCE:0\n' +
        '#EXT-X-PLAYLIST-TYPE:EVENT\n' +
        '#EXTINF:2.000,\n' +
        'seg_00000.ts\n' +
        '#EXTINF:1.967,\n' +
        'seg_00001.ts\n' +
        '#EXT-X-ENDLIST\n',
    );
  });

  it('renders a playlist with no segments yet', () => {
    expect(renderEventPlaylist([], { targetDurationSeconds: 6, complete: false })).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n',
    );
  });

  const targetOf = (text: string) => Number(/^#EXT-X-TARGETDURATION:(\d+)$/m.exec(text)?.[1]);

  it.each([
    // [configured target, segment durations, expected TARGETDURATION]
    [2, [2, 2], 2],
    [2, [2, 3.2], 3],
    [2, [2, 2.6], 3],
    [6, [6, 8.5], 9],
    // RFC 8216: each EXTINF rounded to the nearest integer must be <= the target, so 2.4 still fits 2.
    [2, [2.4], 2],
    // A fractional configured target is rounded up, never down.
    [2.5, [2], 3],
    // Short segments never lower the target below the configured one.
    [6, [1, 0.5], 6],
  ])('target %p with segments %p → TARGETDURATION %p', (target, durations, expected) => {
    const segments = durations.map((durationSeconds, i) => ({ fileName: `seg_0000${i}.ts`, durationSeconds }));
    const text = renderEventPlaylist(segments, { targetDurationSeconds: target, complete: false });
    expect(targetOf(text)).toBe(expected);
    for (const duration of durations) expect(Math.round(duration)).toBeLessThanOrEqual(targetOf(text));
  });

  it('appends the query to every segment URI', () => {
    const text = renderEventPlaylist(twoSegments, { targetDurationSeconds: 2, complete: true, query: 'token=abc.def' });
    const uris = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(uris).toEqual(['seg_00000.ts?token=abc.def', 'seg_00001.ts?token=abc.def']);
    // Only segment URIs get it.
    expect(text.match(/\?token=/g)).toHaveLength(2);
  });

  it('adds no "?" when the query is empty or absent', () => {
    for (const query of [undefined, '']) {
      const text = renderEventPlaylist(twoSegments, { targetDurationSeconds: 2, complete: false, query });
      expect(text).not.toContain('?');
    }
  });
});
