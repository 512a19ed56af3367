/** One segment as the playlist lists it. */
export interface PlaylistSegment {
  fileName: string;
  durationSeconds: number;
}

/**
 * Pure: an HLS media playlist of the segments finished so far. It grows while ffmpeg runs
 * (EVENT) and gets ENDLIST once the range is fully transcoded.
 */
export function renderEventPlaylist(
  segments: readonly PlaylistSegment[],
  options: { targetDurationSeconds: number; complete: boolean; query?: string },
): string {
  const longest = segments.reduce((max, s) => Math.max(max, s.durationSeconds), 0);
  const target = Math.max(Math.ceil(options.targetDurationSeconds), Math.round(longest));
  const suffix = options.query ? `?${options.query}` : '';
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
  ];
  for (const segment of segments) {
    lines.push(`#EXTINF:${segment.durationSeconds.toFixed(3)},`, `${segment.fileName}${suffix}`);
  }
  if (options.complete) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
