import { UnusableUpstreamPlaylistError, parseUpstreamPlaylist, upstreamSegmentsAsRecordings, vodUrlFor } from './frigate-vod-playlist';

const URL_BASE = 'http://frigate:5000/vod/front/start/1700000000/end/1700000060/';
const PLAYLIST_URL = `${URL_BASE}index.m3u8`;

/** What Frigate's nginx-vod answers for a range (fMP4, relative URIs, no PROGRAM-DATE-TIME). */
const FRIGATE_MEDIA_PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-TARGETDURATION:10',
  '#EXT-X-ALLOW-CACHE:YES',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-VERSION:6',
  '#EXT-X-MEDIA-SEQUENCE:1',
  '#EXT-X-MAP:URI="init-v1-a1.mp4"',
  '#EXTINF:10.000,',
  'seg-1-v1-a1.m4s',
  '#EXTINF:10.000,',
  'seg-2-v1-a1.m4s',
  '#EXTINF:4.480,',
  'seg-3-v1-a1.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

function media(lines: string[]): string {
  return ['#EXTM3U', '#EXT-X-TARGETDURATION:10', '#EXT-X-VERSION:6', ...lines, '#EXT-X-ENDLIST', ''].join('\n');
}

describe('parseUpstreamPlaylist', () => {
  it('reads Frigate’s fMP4 media playlist: absolute segment and init URLs, durations', () => {
    expect(parseUpstreamPlaylist(FRIGATE_MEDIA_PLAYLIST, PLAYLIST_URL)).toEqual({
      kind: 'media',
      segments: [
        { uri: `${URL_BASE}seg-1-v1-a1.m4s`, durationSeconds: 10, initSegmentUri: `${URL_BASE}init-v1-a1.mp4` },
        { uri: `${URL_BASE}seg-2-v1-a1.m4s`, durationSeconds: 10, initSegmentUri: `${URL_BASE}init-v1-a1.mp4` },
        { uri: `${URL_BASE}seg-3-v1-a1.m4s`, durationSeconds: 4.48, initSegmentUri: `${URL_BASE}init-v1-a1.mp4` },
      ],
    });
  });

  it('picks the highest-bandwidth variant of a master playlist, resolved against its URL', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360',
      'low/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=4000000,RESOLUTION=1920x1080',
      'index-v1-a1.m3u8',
      '',
    ].join('\n');
    expect(parseUpstreamPlaylist(master, `${URL_BASE}master.m3u8`)).toEqual({
      kind: 'master',
      variantUri: `${URL_BASE}index-v1-a1.m3u8`,
    });
  });

  it('takes EXT-X-PROGRAM-DATE-TIME as the wall-clock start when the upstream gives it', () => {
    const parsed = parseUpstreamPlaylist(media(['#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z', '#EXTINF:4,', 'a.ts']), PLAYLIST_URL);
    expect(parsed).toEqual({ kind: 'media', segments: [{ uri: `${URL_BASE}a.ts`, durationSeconds: 4, programDateTime: 1_700_000_000 }] });
  });

  it.each([
    ['a file URI', 'file:///etc/passwd'],
    ['another host', 'http://evil.example/seg.m4s'],
    ['another port', 'http://frigate:5001/seg.m4s'],
    ['another scheme on the same host', 'ftp://frigate:5000/seg.m4s'],
    ['a data URI', 'data:video/mp4;base64,AAAA'],
  ])('rejects %s, which ffmpeg must never be pointed at', (_name, uri) => {
    expect(() => parseUpstreamPlaylist(media(['#EXTINF:4,', uri]), PLAYLIST_URL)).toThrow(UnusableUpstreamPlaylistError);
  });

  it('rejects an init section on another host', () => {
    expect(() => parseUpstreamPlaylist(media(['#EXT-X-MAP:URI="http://evil.example/init.mp4"', '#EXTINF:4,', 'a.m4s']), PLAYLIST_URL)).toThrow(
      /leaves the upstream/,
    );
  });

  it('rejects encrypted and byte-range segments with a message saying which', () => {
    expect(() => parseUpstreamPlaylist(media(['#EXT-X-KEY:METHOD=AES-128,URI="key.bin"', '#EXTINF:4,', 'a.ts']), PLAYLIST_URL)).toThrow(/encrypted/);
    expect(() => parseUpstreamPlaylist(media(['#EXTINF:4,', '#EXT-X-BYTERANGE:1000@0', 'a.ts']), PLAYLIST_URL)).toThrow(/byte-range/);
  });

  it('rejects what is not a playlist', () => {
    expect(() => parseUpstreamPlaylist('<html>502 Bad Gateway</html>', PLAYLIST_URL)).toThrow(UnusableUpstreamPlaylistError);
  });

  it('skips segments without a positive duration', () => {
    const parsed = parseUpstreamPlaylist(media(['#EXTINF:0,', 'a.ts', '#EXTINF:2,', 'b.ts']), PLAYLIST_URL);
    expect(parsed.kind === 'media' && parsed.segments.map((s) => s.uri)).toEqual([`${URL_BASE}b.ts`]);
  });
});

describe('upstreamSegmentsAsRecordings', () => {
  it('places segments back to back from the range start when there is no PROGRAM-DATE-TIME', () => {
    const recordings = upstreamSegmentsAsRecordings(
      'front',
      [
        { uri: 'http://f/a', durationSeconds: 10, initSegmentUri: 'http://f/i' },
        { uri: 'http://f/b', durationSeconds: 4.5 },
      ],
      1000,
    );
    expect(recordings).toEqual([
      { camera: 'front', path: 'http://f/a', initSegmentUri: 'http://f/i', startTime: 1000, durationSeconds: 10 },
      { camera: 'front', path: 'http://f/b', startTime: 1010, durationSeconds: 4.5 },
    ]);
  });

  it('uses PROGRAM-DATE-TIME where given and continues from it', () => {
    const recordings = upstreamSegmentsAsRecordings(
      'front',
      [
        { uri: 'http://f/a', durationSeconds: 10, programDateTime: 2000 },
        { uri: 'http://f/b', durationSeconds: 10 },
        { uri: 'http://f/c', durationSeconds: 10, programDateTime: 2100 },
      ],
      1000,
    );
    expect(recordings.map((r) => r.startTime)).toEqual([2000, 2010, 2100]);
  });
});

describe('vodUrlFor', () => {
  const template = 'http://127.0.0.1:5000/vod/{camera}/start/{start}/end/{end}/index.m3u8';

  it.each([
    [1_700_000_000, 1_700_000_060, '/vod/front/start/1700000000/end/1700000060/index.m3u8'],
    [1_700_000_000.5, 1_700_000_060.25, '/vod/front/start/1700000000.5/end/1700000060.25/index.m3u8'],
    [1_700_000_000.0004, 1_700_000_001.9996, '/vod/front/start/1700000000/end/1700000002/index.m3u8'],
  ])('%p..%p → %p (plain decimals, no exponent)', (start, end, path) => {
    expect(vodUrlFor(template, 'front', start, end)).toBe(`http://127.0.0.1:5000${path}`);
  });
});
