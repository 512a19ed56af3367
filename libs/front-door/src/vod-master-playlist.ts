import type { SessionVariant } from '@app/transcode';

/** AAC-LC. */
const AUDIO_CODEC = 'mp4a.40.2';
/** What the master playlist announces when the source's size is not known: 720p, at CRF 23 ultrafast. */
const DEFAULT_VIDEO_BITS_PER_PIXEL_SECOND = 0.12;

/**
 * Pure: a master playlist as Frigate's nginx-vod writes one: a single variant with BANDWIDTH,
 * RESOLUTION, FRAME-RATE and CODECS, and a relative URI to the media playlist (`mediaUri`
 * carries the request's query, as nginx's `secure_token $args` copies it). CODECS names what the
 * stream is, as nginx-vod reads it from the stream: a copied stream's own profile and level, or
 * `encodedVideoCodec`, what this node's encoders write (EncoderSelector.videoCodec).
 */
export function renderMasterPlaylist(variant: SessionVariant | undefined, mediaUri: string, encodedVideoCodec: string): string {
  const width = variant?.width ?? 1280;
  const height = variant?.height ?? 720;
  const frameRate = variant?.frameRate ?? 15;
  // A peak estimate for players' first level choice: the encoder's CRF output of a camera
  // scene stays well under it; audio at most 96 kb/s.
  const bandwidth = Math.round(width * height * frameRate * DEFAULT_VIDEO_BITS_PER_PIXEL_SECOND) + (variant?.audio ? 96_000 : 0);
  const attributes = [
    `BANDWIDTH=${bandwidth}`,
    `RESOLUTION=${width}x${height}`,
    `FRAME-RATE=${frameRate.toFixed(3)}`,
    `CODECS="${[variant?.videoCodec ?? encodedVideoCodec, ...(variant?.audio ? [AUDIO_CODEC] : [])].join(',')}"`,
  ];
  return ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS', `#EXT-X-STREAM-INF:${attributes.join(',')}`, mediaUri, ''].join('\n');
}
