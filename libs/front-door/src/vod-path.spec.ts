import { parseVodPath } from './vod-path';

describe('parseVodPath: Frigate’s /vod routes', () => {
  it.each([
    [
      'the web UI’s range, master playlist',
      'front/start/1700000000/end/1700003600/master.m3u8',
      { kind: 'ours', request: { file: 'master.m3u8', route: { form: 'range', camera: 'front', start: 1700000000, end: 1700003600, clip: false } } },
    ],
    [
      'a fractional range, media playlist',
      'front/start/1700000000.5/end/1700000010.25/index.m3u8',
      { kind: 'ours', request: { file: 'index.m3u8', route: { form: 'range', camera: 'front', start: 1700000000.5, end: 1700000010.25, clip: false } } },
    ],
    [
      'one of our segments',
      'front/start/1/end/2/seg_00042.ts',
      { kind: 'ours', request: { file: 'seg_00042.ts', route: { form: 'range', camera: 'front', start: 1, end: 2, clip: false } } },
    ],
    [
      'the stream preference (main)',
      'front/main/start/1/end/2/master.m3u8',
      { kind: 'ours', request: { file: 'master.m3u8', route: { form: 'range', camera: 'front', start: 1, end: 2, clip: false, stream: 'main' } } },
    ],
    [
      'the stream preference (sub)',
      'front/sub/start/1/end/2/index.m3u8',
      { kind: 'ours', request: { file: 'index.m3u8', route: { form: 'range', camera: 'front', start: 1, end: 2, clip: false, stream: 'sub' } } },
    ],
    [
      'the clip form',
      'clip/front/start/1/end/2/master.m3u8',
      { kind: 'ours', request: { file: 'master.m3u8', route: { form: 'range', camera: 'front', start: 1, end: 2, clip: true } } },
    ],
    [
      'Home Assistant’s hour, UTC',
      '2023-11/22/13/front/utc/index.m3u8',
      { kind: 'ours', request: { file: 'index.m3u8', route: { form: 'hour', camera: 'front', year: 2023, month: 11, day: 22, hour: 13, timeZone: 'utc' } } },
    ],
    [
      'an hour in a named zone',
      '2023-11/05/07/front/America,New_York/index.m3u8',
      {
        kind: 'ours',
        request: { file: 'index.m3u8', route: { form: 'hour', camera: 'front', year: 2023, month: 11, day: 5, hour: 7, timeZone: 'America,New_York' } },
      },
    ],
    [
      'an hour without a zone',
      '2023-11/05/07/front/master.m3u8',
      { kind: 'ours', request: { file: 'master.m3u8', route: { form: 'hour', camera: 'front', year: 2023, month: 11, day: 5, hour: 7 } } },
    ],
    [
      'an event',
      'event/1700000123.456789-abc123/master.m3u8',
      { kind: 'ours', request: { file: 'master.m3u8', route: { form: 'event', eventId: '1700000123.456789-abc123' } } },
    ],
    ['the mapping JSON (no playlist name): Frigate’s', 'front/start/1/end/2', { kind: 'frigate' }],
    ['nginx-vod’s own media playlist name: Frigate’s', 'front/start/1/end/2/index-v1-a1.m3u8', { kind: 'frigate' }],
    ['nginx-vod’s segment: Frigate’s', 'front/start/1/end/2/seg-1-v1-a1.m4s', { kind: 'frigate' }],
    ['nginx-vod’s init section: Frigate’s', 'front/start/1/end/2/init-v1-a1.mp4', { kind: 'frigate' }],
    ['a shape Frigate does not have: Frigate’s to answer', 'front/begin/1/end/2/master.m3u8', { kind: 'frigate' }],
    ['a path that is not percent-encoded right: Frigate’s', 'fr%ZZont/start/1/end/2/master.m3u8', { kind: 'frigate' }],
    ['a time that is not a number', 'front/start/abc/end/2/master.m3u8', { kind: 'invalid', message: 'start and end must be epoch seconds' }],
    ['an end before the start', 'front/start/5/end/2/master.m3u8', { kind: 'invalid', message: 'end must be after start' }],
    ['a camera name Frigate would not take', 'fr..ont/start/1/end/2/master.m3u8', { kind: 'invalid', message: "Invalid camera name 'fr..ont'" }],
    ['a camera that tries to climb out', '%2E%2E/start/1/end/2/master.m3u8', { kind: 'invalid', message: "Invalid camera name '..'" }],
    ['an hour past 23', '2023-11/05/24/front/utc/index.m3u8', { kind: 'invalid', message: "Invalid hour '2023-11/05/24'" }],
    ['month 13', '2023-13/05/01/front/utc/index.m3u8', { kind: 'invalid', message: "Invalid hour '2023-13/05/01'" }],
    ['a zone with a slash smuggled in', '2023-11/05/01/front/..%2F..%2Fetc/index.m3u8', { kind: 'invalid', message: "Invalid time zone '../../etc'" }],
    ['an event id with a slash', 'event/a%2Fb/master.m3u8', { kind: 'invalid', message: "Invalid event id 'a/b'" }],
    ['an event id of dots', 'event/%2E%2E/master.m3u8', { kind: 'invalid', message: "Invalid event id '..'" }],
    ['31 June', '2023-06/31/01/front/utc/index.m3u8', { kind: 'invalid', message: "Invalid hour '2023-06/31/01'" }],
    [
      '29 February of a leap year is a day',
      '2024-02/29/01/front/utc/index.m3u8',
      { kind: 'ours', request: { file: 'index.m3u8', route: { form: 'hour', camera: 'front', year: 2024, month: 2, day: 29, hour: 1, timeZone: 'utc' } } },
    ],
    ['the year 0000', '0000-01/01/01/front/utc/index.m3u8', { kind: 'invalid', message: "Invalid hour '0000-01/01/01'" }],
    ['a time past 2100', 'front/start/9000000000000/end/9000000000001/master.m3u8', { kind: 'invalid', message: 'start and end must be epoch seconds' }],
    ['a number too long to be finite', `front/start/1/end/${'9'.repeat(400)}/master.m3u8`, { kind: 'invalid', message: 'start and end must be epoch seconds' }],
  ])('%s', (_name, path, expected) => {
    expect(parseVodPath(path)).toEqual(expected);
  });
});
