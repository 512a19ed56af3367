import { chooseVodHandling, videoCodecTagsOf } from './vod-passthrough';

describe('chooseVodHandling: transcode, or Frigate’s own /vod', () => {
  it.each([
    ['H.265 recordings are transcoded', null, undefined, ['hvc1', 'hvc1'], 'transcode'],
    ['hev1-tagged H.265 too', null, undefined, ['hev1'], 'transcode'],
    ['H.264 recordings go to Frigate untouched', null, undefined, ['avc1', 'avc1'], 'frigate'],
    ['a range that turns H.265 part way is transcoded', null, undefined, ['avc1', 'hvc1'], 'transcode'],
    ['a recording whose codec is unknown is transcoded', null, undefined, ['avc1', undefined], 'transcode'],
    ['no recordings: transcoded (the engine answers 404)', null, undefined, [], 'transcode'],
    ['?codec=hevc: the client plays HEVC', 'hevc', undefined, ['hvc1'], 'frigate'],
    ['?codec=H265, any case', 'H265', undefined, ['hvc1'], 'frigate'],
    ['?codec=passthrough', 'passthrough', undefined, ['hvc1'], 'frigate'],
    ['?codec=h264 on H.265: transcoded', 'h264', undefined, ['hvc1'], 'transcode'],
    ['?codec=h264 on H.264: nothing to do, Frigate’s', 'h264', undefined, ['avc1'], 'frigate'],
    ['the sub stream is Frigate’s', null, 'sub', ['hvc1'], 'frigate'],
    ['the main stream of H.265 is transcoded', null, 'main', ['hvc1'], 'transcode'],
  ] as const)('%s', (_name, codecParam, stream, videoCodecTags, expected) => {
    expect(chooseVodHandling({ codecParam, stream, videoCodecTags })).toBe(expected);
  });

  it('refuses a codec nobody knows, saying which ones it takes', () => {
    expect(chooseVodHandling({ codecParam: 'vp9', videoCodecTags: ['hvc1'] })).toEqual({ invalid: expect.stringMatching(/Unknown codec 'vp9'.*h264.*hevc/) });
  });
});

describe('videoCodecTagsOf: the codecs of Frigate’s own master playlist', () => {
  it.each([
    ['H.265 with audio', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="hvc1.1.6.L93.90,mp4a.40.2"\nindex-v1-a1.m3u8\n', ['hvc1']],
    ['H.264 without audio', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="avc1.64001f"\nindex-v1.m3u8\n', ['avc1']],
    ['no CODECS at all', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nindex-v1.m3u8\n', []],
  ])('%s', (_name, text, expected) => {
    expect(videoCodecTagsOf(text)).toEqual(expected);
  });
});
