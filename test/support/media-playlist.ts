/** What the e2e tests ask of the service's HLS and read in it: the create route, segment names, a media playlist's entries. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The create route of a camera's range. */
export function rangeUrl(camera: string, start: number, end: number): string {
  return `/transcode/${camera}/start/${start}/end/${end}`;
}

/** The name of segment `index` in a session's playlist (seg_00000.ts, …). */
export const segmentName = (index: number) => `seg_${String(index).padStart(5, '0')}.ts`;

/** A media playlist's segments: EXTINF and EXT-X-PROGRAM-DATE-TIME (epoch seconds), in order. */
export function parsePlaylist(text: string): { durationSeconds: number; wallClock: number }[] {
  const segments: { durationSeconds: number; wallClock: number }[] = [];
  let wallClock = NaN;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) wallClock = Date.parse(line.slice(25)) / 1000;
    if (line.startsWith('#EXTINF:')) segments.push({ durationSeconds: Number.parseFloat(line.slice(8)), wallClock });
  }
  return segments;
}

/**
 * Segment `index` of a session, written into `dir` (a file name of its own, so a segment fetched
 * twice is two files); its path. Anything but 200 throws, with the status and the answer.
 */
export async function downloadSegment(baseUrl: string, sessionId: string, index: number, dir: string, init?: RequestInit): Promise<string> {
  const response = await fetch(`${baseUrl}/stream/transcode/${sessionId}/${segmentName(index)}`, init);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${segmentName(index)} of ${sessionId} answered ${response.status}: ${bytes.toString().slice(0, 300)}`);
  const path = join(dir, `${sessionId.slice(0, 8)}-${index}-${Math.random().toString(36).slice(2, 8)}.ts`);
  await writeFile(path, bytes);
  return path;
}
