import {
  PLAYLIST_FILE_NAME,
  SEGMENT_FILE_NAME_FORM,
  STREAM_FILE_NAME_REGEX,
  STREAM_ROUTES,
  isPlaylistFileName,
  parsePlaylistPath,
  parseSegmentPath,
  segmentIndexOf,
  segmentUri,
  streamPlaylistPath,
} from './hls-names';

const ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

describe('HLS names', () => {
  it.each([
    [0, 'seg_00000.ts'],
    [7, 'seg_00007.ts'],
    [12345, 'seg_12345.ts'],
  ])('names segment %d %s, and reads the index back from the name', (index, name) => {
    expect(segmentUri(index)).toBe(name);
    expect(segmentIndexOf(name)).toBe(index);
  });

  it.each(['master.m3u8', 'index.m3u8', 'seg_1.ts', 'seg_000001.ts', 'seg_00001.ts?token=x', 'r1_00001.ts', '../seg_00001.ts'])(
    'reads no segment index from %s',
    (name) => {
      expect(segmentIndexOf(name)).toBeUndefined();
    },
  );

  it.each<[string, boolean]>([
    ['master.m3u8', true],
    ['seg_00000.ts', true],
    ['seg_99999.ts', true],
    ['index.m3u8', false],
    ['seg_0.ts', false],
    ['seg_00000.ts.bak', false],
    ['.nvr-transcoder-session', false],
    ['run-1.ffconcat', false],
  ])('lets %s be asked of a session: %s', (name, valid) => {
    expect(STREAM_FILE_NAME_REGEX.test(name)).toBe(valid);
  });

  it('tells the playlist from a segment', () => {
    expect([PLAYLIST_FILE_NAME, segmentUri(3)].map(isPlaylistFileName)).toEqual([true, false]);
  });

  it('writes the routes: the playlist a create hands out, the middleware route, the form of a segment name', () => {
    expect({ playlist: streamPlaylistPath(ID), routes: STREAM_ROUTES, form: SEGMENT_FILE_NAME_FORM }).toEqual({
      playlist: `/stream/transcode/${ID}/master.m3u8`,
      routes: 'stream/transcode/*path',
      form: 'seg_NNNNN.ts',
    });
  });

  it.each<[string, { sessionId: string; index: number } | null]>([
    [`/stream/transcode/${ID}/seg_00042.ts`, { sessionId: ID, index: 42 }],
    [`/stream/transcode/${ID}/master.m3u8`, null],
    [`/stream/transcode/${ID.toUpperCase()}/seg_00042.ts`, null],
    [`/stream/transcode/${ID}/seg_0042.ts`, null],
    [`/stream/transcodeX${ID}/seg_00042.ts`, null],
    [`/vod/front/start/1/end/2/seg_00042.ts`, null],
    [`/stream/transcode/${ID}/seg_00042.ts/x`, null],
  ])('reads the session and segment of %s', (path, parsed) => {
    expect(parseSegmentPath(path)).toEqual(parsed);
  });

  it.each<[string, string | null]>([
    [`/stream/transcode/${ID}/master.m3u8`, ID],
    [streamPlaylistPath(ID), ID],
    [`/stream/transcode/${ID}/index.m3u8`, null],
    [`/stream/transcode/${ID}/seg_00042.ts`, null],
    [`/stream/transcode/${ID.toUpperCase()}/master.m3u8`, null],
    [`/stream/transcode/${ID}/masterXm3u8`, null],
    [`/stream/transcode/${ID}/master.m3u8/x`, null],
  ])('reads the session of the playlist %s', (path, sessionId) => {
    expect(parsePlaylistPath(path)).toBe(sessionId);
  });
});
