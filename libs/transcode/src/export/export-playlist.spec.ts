import { exportPlanFromPlaylist } from './export-playlist';

const PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:23.400Z',
  '#EXTINF:1.000,',
  'seg_00000.ts',
  '#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:24.400Z',
  '#EXTINF:2.000,',
  'seg_00001.ts?token=abc.def',
  '#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:56.400Z',
  '#EXTINF:0.467,',
  'seg_00002.ts',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

describe('exportPlanFromPlaylist', () => {
  it('lists the segments in order, without queries, with their durations and the first frame’s wall clock', () => {
    const plan = exportPlanFromPlaylist(PLAYLIST);
    expect(plan.segments).toEqual([
      { fileName: 'seg_00000.ts', durationSeconds: 1 },
      { fileName: 'seg_00001.ts', durationSeconds: 2 },
      { fileName: 'seg_00002.ts', durationSeconds: 0.467 },
    ]);
    expect(plan.firstFrameTime.toISOString()).toBe('2023-11-14T22:13:23.400Z');
    expect(plan.durationSeconds).toBeCloseTo(3.467, 6);
  });

  it.each([
    ['a master playlist', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nmedia.m3u8\n', /master playlist/],
    ['no segments', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n', /no segments/],
    ['no PROGRAM-DATE-TIME', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\nseg_00000.ts\n#EXT-X-ENDLIST\n', /PROGRAM-DATE-TIME/],
    ['a URI that is no segment of the session', PLAYLIST.replace('seg_00002.ts', '../../etc/passwd'), /not a segment name/],
    ['the playlist named as a segment', PLAYLIST.replace('seg_00002.ts', 'master.m3u8'), /not a segment name/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => exportPlanFromPlaylist(text)).toThrow(message);
  });
});
