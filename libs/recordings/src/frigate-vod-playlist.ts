import { parse, setOptions, types } from 'hls-parser';

// hls-parser reports spec deviations on the console; an unusable playlist is reported here instead.
setOptions({ silent: true });

/** One segment of an upstream VOD stream, its URLs resolved and checked. */
export interface UpstreamSegment {
  uri: string;
  durationSeconds: number;
  /** Its initialization section (EXT-X-MAP), for fMP4 streams such as Frigate's. */
  initSegmentUri?: string;
  /** Wall-clock start (epoch seconds) from EXT-X-PROGRAM-DATE-TIME, when the upstream gives it. */
  programDateTime?: number;
}

export type UpstreamPlaylist = { kind: 'master'; variantUri: string } | { kind: 'media'; segments: UpstreamSegment[] };

/** Why an upstream playlist cannot be used; the message is safe to show to clients. */
export class UnusableUpstreamPlaylistError extends Error {
  override readonly name = 'UnusableUpstreamPlaylistError';
}

/**
 * Pure: an upstream HLS playlist (Frigate's nginx-vod answer) parsed with hls-parser. A master
 * playlist yields its highest-bandwidth variant; a media playlist its segments. Every URI is
 * resolved against the playlist's URL and must stay on the upstream's origin over http(s): the
 * URLs go to ffmpeg, which must never be pointed at a file or another host by a playlist.
 */
export function parseUpstreamPlaylist(text: string, playlistUrl: string): UpstreamPlaylist {
  let playlist: types.Playlist;
  try {
    playlist = parse(text);
  } catch (error) {
    throw new UnusableUpstreamPlaylistError(`not an HLS playlist (${(error as Error).message})`);
  }
  const origin = new URL(playlistUrl).origin;
  const resolve = (uri: string) => resolveOnOrigin(uri, playlistUrl, origin);
  if (playlist.isMasterPlaylist) {
    const variants = [...(playlist as types.MasterPlaylist).variants].sort((a, b) => (b.bandwidth ?? 0) - (a.bandwidth ?? 0));
    if (!variants.length) throw new UnusableUpstreamPlaylistError('a master playlist without variants');
    return { kind: 'master', variantUri: resolve(variants[0].uri) };
  }
  const media = playlist as types.MediaPlaylist;
  const segments: UpstreamSegment[] = [];
  for (const segment of media.segments) {
    if (segment.key && segment.key.method !== 'NONE') throw new UnusableUpstreamPlaylistError('encrypted segments are not supported');
    if (segment.byterange || segment.map?.byterange) throw new UnusableUpstreamPlaylistError('byte-range segments are not supported');
    if (!(segment.duration > 0) || !Number.isFinite(segment.duration)) continue;
    segments.push({
      uri: resolve(segment.uri),
      durationSeconds: segment.duration,
      ...(segment.map ? { initSegmentUri: resolve(segment.map.uri) } : {}),
      ...(segment.programDateTime ? { programDateTime: segment.programDateTime.getTime() / 1000 } : {}),
    });
  }
  return { kind: 'media', segments };
}

function resolveOnOrigin(uri: string, base: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(uri, base);
  } catch {
    throw new UnusableUpstreamPlaylistError(`an invalid URI in the playlist: ${JSON.stringify(uri.slice(0, 100))}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
    throw new UnusableUpstreamPlaylistError('a playlist URI leaves the upstream (another scheme or host)');
  }
  return url.href;
}

/**
 * Pure: the segments as recordings of `camera`, in playlist order. Without
 * PROGRAM-DATE-TIME (Frigate's VOD has none) a segment's wall-clock start is the range start
 * plus the durations before it, as the upstream collapses gaps.
 */
export function upstreamSegmentsAsRecordings(
  camera: string,
  segments: readonly UpstreamSegment[],
  rangeStart: number,
): { camera: string; path: string; initSegmentUri?: string; startTime: number; durationSeconds: number }[] {
  let next = rangeStart;
  return segments.map((segment) => {
    const startTime = segment.programDateTime ?? next;
    next = startTime + segment.durationSeconds;
    return {
      camera,
      path: segment.uri,
      ...(segment.initSegmentUri ? { initSegmentUri: segment.initSegmentUri } : {}),
      startTime,
      durationSeconds: segment.durationSeconds,
    };
  });
}

/** Pure: the VOD URL of a range from FRIGATE_VOD_URL's template ({camera}, {start}, {end}). */
export function vodUrlFor(template: string, camera: string, start: number, end: number): string {
  return template.replaceAll('{camera}', encodeURIComponent(camera)).replaceAll('{start}', formatEpoch(start)).replaceAll('{end}', formatEpoch(end));
}

/** Epoch seconds as a plain decimal with at most millisecond precision (no exponent). */
function formatEpoch(seconds: number): string {
  return (Math.round(seconds * 1000) / 1000).toFixed(3).replace(/\.?0+$/, '');
}
