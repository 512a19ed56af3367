import { buildInputList } from './ffmpeg-input-list';

describe('buildInputList', () => {
  it('puts local recordings in an ffconcat list that may open local files only', () => {
    const list = buildInputList(
      [
        { path: '/rec/2023-11-14/22/front/13.20.mp4', durationSeconds: 10 },
        { path: '/rec/2023-11-14/22/front/13.30.mp4', durationSeconds: 4, outpointSeconds: 4 },
      ],
      7.5,
    );
    expect(list.format).toBe('concat');
    expect(list.protocols).toEqual(['file']);
    // The run's start is the first file's in point; every other file is read from 0; nothing
    // is left for an output seek.
    expect(list.text).toBe(
      [
        'ffconcat version 1.0',
        "file '/rec/2023-11-14/22/front/13.20.mp4'",
        'inpoint 7.500000',
        'duration 2.500000',
        "file '/rec/2023-11-14/22/front/13.30.mp4'",
        'inpoint 0.000000',
        'outpoint 4.000000',
        'duration 4.000000',
        '',
      ].join('\n'),
    );
    expect(list.seekSeconds).toBe(0);
  });

  it('puts upstream segments in an HLS VOD playlist with their init section, opening http over tcp and nothing else', () => {
    const list = buildInputList([
      { path: 'http://frigate:5000/vod/x/seg-3.m4s', durationSeconds: 10, initSegmentUri: 'http://frigate:5000/vod/x/init.mp4' },
      { path: 'http://frigate:5000/vod/x/seg-4.m4s', durationSeconds: 4.48, initSegmentUri: 'http://frigate:5000/vod/x/init.mp4' },
    ]);
    expect(list.format).toBe('hls');
    expect(list.protocols).toEqual(['file', 'http', 'tcp']);
    expect(list.seekSeconds).toBe(0);
    expect(list.text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:10',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-MAP:URI="http://frigate:5000/vod/x/init.mp4"',
        '#EXTINF:10,',
        'http://frigate:5000/vod/x/seg-3.m4s',
        '#EXTINF:4.48,',
        'http://frigate:5000/vod/x/seg-4.m4s',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('leaves the offset into an upstream segment to an output seek', () => {
    const list = buildInputList([{ path: 'http://f/seg-3.m4s', durationSeconds: 10 }], 3.25);
    expect(list.seekSeconds).toBe(3.25);
    expect(list.text).not.toContain('inpoint');
  });

  it('allows https (over tls and tcp) for an https upstream', () => {
    expect(buildInputList([{ path: 'https://nvr.example/seg-1.m4s', durationSeconds: 2 }]).protocols).toEqual(['file', 'https', 'tls', 'tcp']);
  });

  it('refuses a list that mixes files and URLs, other schemes, and URLs that could break a playlist line', () => {
    expect(() =>
      buildInputList([
        { path: '/rec/a.mp4', durationSeconds: 1 },
        { path: 'http://f/b.m4s', durationSeconds: 1 },
      ]),
    ).toThrow(/mixes/);
    expect(() => buildInputList([{ path: 'rtmp://f/live', durationSeconds: 1 }])).toThrow(/scheme/);
    expect(() => buildInputList([{ path: 'http://f/a\n#EXT-X-ENDLIST', durationSeconds: 1 }])).toThrow(/line break/);
  });
});
