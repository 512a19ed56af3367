import { createHash } from 'node:crypto';

/** Session ids are 32 lowercase hex characters; anything else never reaches the disk. */
export const SESSION_ID_PATTERN = '[0-9a-f]{32}';
export const SESSION_ID_REGEX = new RegExp(`^${SESSION_ID_PATTERN}$`);

/** Times are keyed to the millisecond, so 10 and 10.0001 name the same session. */
export function canonicalSeconds(seconds: number): string {
  return (Math.round(seconds * 1000) / 1000).toFixed(3);
}

/**
 * Deterministic: the same camera, range and speed always give the same id (on every node). A
 * speed rendition is a session of its own; 1× keeps the id it always had.
 */
export function transcodeSessionId(camera: string, start: number, end: number, speed = 1): string {
  return createHash('sha256')
    .update(`${camera}\n${canonicalSeconds(start)}\n${canonicalSeconds(end)}${speed === 1 ? '' : `\nx${speed}`}`)
    .digest('hex')
    .slice(0, 32);
}
