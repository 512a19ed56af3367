import type { PlannedSegment } from '../plan/segment-plan';
import { segmentUri } from './hls-names';

/**
 * Pure: the complete VOD playlist of a session: every segment with its duration and the
 * wall-clock time of its first frame, so players can seek anywhere at once and map player time
 * back to camera time (correct across collapsed gaps).
 */
export function renderVodPlaylist(segments: readonly PlannedSegment[], options: { query?: string; speed?: number } = {}): string {
  // A fast rendition plays `speed` seconds of recordings a second; its segments' first frames keep their camera times.
  const speed = options.speed ?? 1;
  // Where each segment starts and the last ends, in whole milliseconds of output: each EXTINF is
  // the difference, so a player that adds them up finds every segment where it starts (to the
  // millisecond), however many come before; rounding each length alone would drift.
  const origin = segments[0]?.timelineStartSeconds ?? 0;
  const edges = segments.map((s) => Math.round(((s.timelineStartSeconds - origin) / speed) * 1000));
  const last = segments[segments.length - 1];
  if (last) edges.push(Math.round(((last.timelineStartSeconds + last.durationSeconds - origin) / speed) * 1000));
  const extinfs = segments.map((_, i) => (edges[i + 1] - edges[i]) / 1000);
  const longest = extinfs.reduce((max, extinf) => Math.max(max, extinf), 0);
  const suffix = options.query ? `?${options.query}` : '';
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    // RFC 8216: every EXTINF, rounded to the nearest integer, must be <= the target duration.
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.round(longest))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
  ];
  for (const [i, segment] of segments.entries()) {
    lines.push(
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.wallClockStartMs).toISOString()}`,
      `#EXTINF:${extinfs[i].toFixed(3)},`,
      `${segmentUri(segment.index)}${suffix}`,
    );
  }
  lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
