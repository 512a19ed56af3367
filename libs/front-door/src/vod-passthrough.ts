/** What the front door does with a /vod request it recognised. */
export type VodHandling = 'transcode' | 'frigate';

/** `?codec=` values: what the client says it plays. */
const PLAYS_HEVC = new Set(['hevc', 'h265', 'hvc1', 'hev1', 'passthrough', 'original']);
const WANTS_H264 = new Set(['h264', 'avc', 'avc1']);
const H264_TAGS = new Set(['avc1', 'avc3']);

/**
 * Pure: transcode, or let Frigate's own /vod answer (its fMP4, untouched, at no CPU here).
 * - `?codec=hevc` (or h265, passthrough, original): the client plays the recordings as they are.
 * - The sub stream (Frigate 0.17's /vod/{camera}/sub/...) is Frigate's: it is the low-resolution
 *   recording cameras send as H.264, and our recording sources read the main one.
 * - Otherwise: transcode unless every recording of the range is H.264 (an unknown codec, or a
 *   range that switches to H.265 part way, is transcoded: it then plays everywhere).
 * `{ invalid }` for a `codec` nobody knows.
 */
export function chooseVodHandling(input: {
  codecParam: string | null;
  stream?: 'main' | 'sub';
  videoCodecTags: readonly (string | undefined)[];
}): VodHandling | { invalid: string } {
  const codec = input.codecParam?.toLowerCase() ?? null;
  if (codec !== null && !PLAYS_HEVC.has(codec) && !WANTS_H264.has(codec)) {
    return { invalid: `Unknown codec '${input.codecParam}': use h264 (transcode H.265) or hevc (play the recordings as they are)` };
  }
  if (codec !== null && PLAYS_HEVC.has(codec)) return 'frigate';
  if (input.stream === 'sub') return 'frigate';
  const tags = input.videoCodecTags;
  if (tags.length > 0 && tags.every((tag) => tag !== undefined && H264_TAGS.has(tag))) return 'frigate';
  return 'transcode';
}

/**
 * Pure: the video sample-entry tags a master playlist's CODECS announce ("hvc1.1.6.L93.90,mp4a.40.2"
 * → hvc1), for a source that cannot read the recordings' headers. Audio codecs are left out.
 */
export function videoCodecTagsOf(masterPlaylist: string): string[] {
  const tags: string[] = [];
  for (const match of masterPlaylist.matchAll(/CODECS="([^"]*)"/g)) {
    for (const codec of match[1].split(',')) {
      const tag = codec.trim().split('.')[0].toLowerCase();
      if (/^(avc[13]|hvc1|hev1|av01|vp09)$/.test(tag)) tags.push(tag);
    }
  }
  return tags;
}
