import { parse, types } from 'hls-parser';
import { encodedVideoCodec } from '../plan/output-format';
import { DEFAULT_LADDER, planLadderRungs } from '../plan/quality-ladder';
import { AAC_LC_CODEC, ladderStreamInfLines, renderLadderMasterPlaylist } from './ladder-master-playlist';

describe('the ladder master playlist', () => {
  const rungs = planLadderRungs(DEFAULT_LADDER, { width: 1920, height: 1080 }, 720);
  // What libx264 at ultrafast writes (Constrained Baseline 4.1), as EncoderSelector.videoCodec says.
  const videoCodec = encodedVideoCodec('libx264', 'ultrafast');
  const uri = (rung: { name: string }) => `${rung.name}/index.m3u8?authSig=abc`;

  it('writes one EXT-X-STREAM-INF and its URI per rung, highest first: BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, FRAME-RATE, CODECS', () => {
    expect(ladderStreamInfLines(rungs, { videoCodec, audio: true, frameRate: 15, uri })).toEqual([
      '#EXT-X-STREAM-INF:BANDWIDTH=2924350,AVERAGE-BANDWIDTH=2360600,RESOLUTION=1280x720,FRAME-RATE=15.000,CODECS="avc1.42c029,mp4a.40.2"',
      '720p/index.m3u8?authSig=abc',
      '#EXT-X-STREAM-INF:BANDWIDTH=1274350,AVERAGE-BANDWIDTH=1040600,RESOLUTION=832x468,FRAME-RATE=15.000,CODECS="avc1.42c029,mp4a.40.2"',
      '468p/index.m3u8?authSig=abc',
      '#EXT-X-STREAM-INF:BANDWIDTH=518100,AVERAGE-BANDWIDTH=435600,RESOLUTION=416x234,FRAME-RATE=15.000,CODECS="avc1.42c029,mp4a.40.2"',
      '234p/index.m3u8?authSig=abc',
    ]);
  });

  it.each([
    ['without audio: the video codec alone', { audio: false }, 'avc1.42c029', undefined],
    ['frame rate unknown: no FRAME-RATE', { audio: true }, `avc1.42c029,${AAC_LC_CODEC}`, undefined],
    ['an odd frame rate to three decimals', { audio: true, frameRate: 30000 / 1001 }, `avc1.42c029,${AAC_LC_CODEC}`, 29.97],
  ])('%s', (_name, options, codecs, frameRate) => {
    const playlist = parse(renderLadderMasterPlaylist(rungs, { videoCodec, uri, ...options })) as types.MasterPlaylist;
    expect(playlist.isMasterPlaylist).toBe(true);
    expect(playlist.independentSegments).toBe(true);
    expect(playlist.variants.map((variant) => variant.codecs)).toEqual([codecs, codecs, codecs]);
    for (const variant of playlist.variants) {
      if (frameRate === undefined) expect(variant.frameRate).toBeUndefined();
      else expect(variant.frameRate).toBeCloseTo(frameRate, 2);
    }
  });

  it('parses as players read it: every rung with its resolution, peak and average bandwidth and URI', () => {
    const playlist = parse(renderLadderMasterPlaylist(rungs, { videoCodec, audio: true, frameRate: 15, uri })) as types.MasterPlaylist;
    expect(
      playlist.variants.map((variant) => ({
        uri: variant.uri,
        resolution: variant.resolution,
        bandwidth: variant.bandwidth,
        averageBandwidth: variant.averageBandwidth,
      })),
    ).toEqual(
      rungs.map((rung) => ({
        uri: uri(rung),
        resolution: { width: rung.width, height: rung.height },
        bandwidth: rung.bandwidth,
        averageBandwidth: rung.averageBandwidth,
      })),
    );
  });
});
