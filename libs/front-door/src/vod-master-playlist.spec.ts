import { parse, types } from 'hls-parser';
import { renderMasterPlaylist } from './vod-master-playlist';

describe('renderMasterPlaylist: one variant, as nginx-vod writes it', () => {
  it.each([
    ['encoded, with audio', { width: 1280, height: 720, frameRate: 25, audio: true }, { width: 1280, height: 720 }, 25, 'avc1.42c029,mp4a.40.2'],
    ['encoded, without audio', { width: 426, height: 240, frameRate: 29.97, audio: false }, { width: 426, height: 240 }, 29.97, 'avc1.42c029'],
    [
      'a copied Constrained Baseline 3.0 stream, with audio',
      { width: 640, height: 360, frameRate: 15, audio: true, videoCodec: 'avc1.42c01e' },
      { width: 640, height: 360 },
      15,
      'avc1.42c01e,mp4a.40.2',
    ],
  ])('%s', (_name, variant, resolution, frameRate, codecs) => {
    // What libx264 at ultrafast writes (Constrained Baseline 4.1): a copied stream names its own.
    const playlist = parse(renderMasterPlaylist(variant, 'index.m3u8?authSig=abc&x=1', 'avc1.42c029')) as types.MasterPlaylist;
    expect(playlist.isMasterPlaylist).toBe(true);
    expect(playlist.variants).toHaveLength(1);
    const [only] = playlist.variants;
    expect(only.resolution).toEqual(resolution);
    expect(only.frameRate).toBeCloseTo(frameRate, 3);
    expect(only.codecs).toBe(codecs);
    expect(only.bandwidth).toBeGreaterThan(0);
    expect(only.uri).toBe('index.m3u8?authSig=abc&x=1');
  });
});
