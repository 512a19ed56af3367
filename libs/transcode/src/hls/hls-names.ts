/**
 * Every name a client sees of a session's HLS: its playlist, its segments, the routes they are
 * served under, and the patterns that recognise them. The API, the fast path, DTO validation,
 * the export, the cluster and the front door all ask here; nothing else writes these names.
 * (libs/ffmpeg keeps its own default file prefix: it imports no transcode code, and a run's
 * files are named by their run, not like these; see storage/run-files.ts.)
 */
import { SESSION_ID_PATTERN } from '../model/session-id';

/** A session's playlist, as the API names it (a media playlist, under the name it has always had). */
export const PLAYLIST_FILE_NAME = 'master.m3u8';
/** Under Frigate's /vod routes, as nginx-vod names them: the master playlist and the media playlist. */
export const VOD_MASTER_PLAYLIST_FILE_NAME = 'master.m3u8';
export const VOD_MEDIA_PLAYLIST_FILE_NAME = 'index.m3u8';

const SEGMENT_PREFIX = 'seg_';
const SEGMENT_DIGITS = 5;
const SEGMENT_EXTENSION = '.ts';
const SEGMENT_PATTERN = `${SEGMENT_PREFIX}(\\d{${SEGMENT_DIGITS}})\\${SEGMENT_EXTENSION}`;

/** How a segment's name looks, for messages: seg_NNNNN.ts. */
export const SEGMENT_FILE_NAME_FORM = `${SEGMENT_PREFIX}${'N'.repeat(SEGMENT_DIGITS)}${SEGMENT_EXTENSION}`;
/** A segment's name (its index in the group). */
export const SEGMENT_FILE_NAME_REGEX = new RegExp(`^${SEGMENT_PATTERN}$`);
/** The playlist or one segment: nothing else inside a session folder can be named. */
export const STREAM_FILE_NAME_REGEX = new RegExp(`^(${escapeRegExp(PLAYLIST_FILE_NAME)}|${SEGMENT_PREFIX}\\d{${SEGMENT_DIGITS}}\\${SEGMENT_EXTENSION})$`);

/** Path prefix under which playlists and segments are served. */
export const STREAM_ROUTE_PREFIX = 'stream/transcode';
/** Every stream route, in the form Nest's middleware routes take. */
export const STREAM_ROUTES = `${STREAM_ROUTE_PREFIX}/*path`;
/** The path of one segment of a session: its session id and its index. */
const SEGMENT_PATH_REGEX = new RegExp(`^/${escapeRegExp(STREAM_ROUTE_PREFIX)}/(${SESSION_ID_PATTERN})/${SEGMENT_PATTERN}$`);
/** The path of a session's playlist. */
const PLAYLIST_PATH_REGEX = new RegExp(`^/${escapeRegExp(STREAM_ROUTE_PREFIX)}/(${SESSION_ID_PATTERN})/${escapeRegExp(PLAYLIST_FILE_NAME)}$`);

/** Logical name of segment `index` in playlists and URLs (stable across encoder runs). */
export function segmentUri(index: number): string {
  return `${SEGMENT_PREFIX}${String(index).padStart(SEGMENT_DIGITS, '0')}${SEGMENT_EXTENSION}`;
}

/** The index a segment's name carries; undefined for any other name. */
export function segmentIndexOf(fileName: string): number | undefined {
  const match = SEGMENT_FILE_NAME_REGEX.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

/** Whether a file of a session (a stream file name) is a playlist rather than a segment. */
export function isPlaylistFileName(fileName: string): boolean {
  return fileName === PLAYLIST_FILE_NAME;
}

/** The path of a session's playlist, as the API hands it out. */
export function streamPlaylistPath(sessionId: string): string {
  return `/${STREAM_ROUTE_PREFIX}/${sessionId}/${PLAYLIST_FILE_NAME}`;
}

/** The session and segment a request path names (`/stream/transcode/<id>/seg_NNNNN.ts`), or null for any other path. */
export function parseSegmentPath(path: string): { sessionId: string; index: number } | null {
  const match = SEGMENT_PATH_REGEX.exec(path);
  return match ? { sessionId: match[1], index: Number(match[2]) } : null;
}

/** The session whose playlist a request path names (`/stream/transcode/<id>/master.m3u8`), or null for any other path. */
export function parsePlaylistPath(path: string): string | null {
  return PLAYLIST_PATH_REGEX.exec(path)?.[1] ?? null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
