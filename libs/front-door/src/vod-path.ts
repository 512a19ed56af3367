import { isValidCameraName } from '@app/recordings';
import { SEGMENT_FILE_NAME_REGEX, VOD_MASTER_PLAYLIST_FILE_NAME, VOD_MEDIA_PLAYLIST_FILE_NAME } from '@app/transcode';

/** Which recordings a /vod route names, before it is resolved to a time range. */
export type VodRoute =
  | { form: 'range'; camera: string; start: number; end: number; stream?: 'main' | 'sub'; clip: boolean }
  | { form: 'hour'; camera: string; year: number; month: number; day: number; hour: number; timeZone?: string }
  | { form: 'event'; eventId: string };

/** A /vod request: its route, and the file asked for under it. */
export interface VodRequest {
  route: VodRoute;
  /** master.m3u8, index.m3u8 or one of our segments (seg_00000.ts). */
  file: string;
}

export type ParsedVodPath =
  /** Ours to answer. */
  | { kind: 'ours'; request: VodRequest }
  /** A route of ours with a value that cannot be (a bad time, a bad camera name): 400. */
  | { kind: 'invalid'; message: string }
  /** Not a playlist or segment of ours (Frigate's mapping JSON, its own segment names, any other path): Frigate's. */
  | { kind: 'frigate' };

// Frigate's ids ("1700000000.123456-abc123"); never only dots, which a URL would resolve as a path step.
const EVENT_ID = /^(?!\.+$)[A-Za-z0-9._-]{1,100}$/;
/** 2100-01-01: later "epoch seconds" are a mistake (or an attack on the recordings' folder walk). */
const LATEST_EPOCH = 4_102_444_800;
const NUMBER = /^\d+(\.\d+)?$/;

/**
 * Pure: reads a path under /vod/ the way Frigate's routes (frigate/api/media.py) do:
 *   {camera}/start/{s}/end/{e}             the web UI (History, export preview, search detail)
 *   {camera}/{main|sub}/start/{s}/end/{e}  the stream preference of Frigate 0.17 (#24009)
 *   {YYYY-MM}/{DD}/{HH}/{camera}[/{tz}]    Home Assistant's media browser (tz "utc" or "Area,City")
 *   event/{id}                             Home Assistant's event fallback
 *   clip/{camera}/start/{s}/end/{e}
 * each followed by master.m3u8, index.m3u8 or one of our segment names. `pathname` is the
 * path after "/vod/", still percent-encoded.
 */
export function parseVodPath(pathname: string): ParsedVodPath {
  let parts: string[];
  try {
    parts = pathname.split('/').map((part) => decodeURIComponent(part));
  } catch {
    return { kind: 'frigate' };
  }
  const file = parts.pop() ?? '';
  // The files the front door makes itself under a /vod route; any other name is Frigate's.
  if (file !== VOD_MASTER_PLAYLIST_FILE_NAME && file !== VOD_MEDIA_PLAYLIST_FILE_NAME && !SEGMENT_FILE_NAME_REGEX.test(file)) return { kind: 'frigate' };
  const route = readRoute(parts);
  if (route === null) return { kind: 'frigate' };
  if (typeof route === 'string') return { kind: 'invalid', message: route };
  return { kind: 'ours', request: { route, file } };
}

/** The route, a message when its shape is ours but a value is not valid, or null when the shape is not ours. */
function readRoute(parts: string[]): VodRoute | string | null {
  if (parts.length === 2 && parts[0] === 'event') {
    return EVENT_ID.test(parts[1]) ? { form: 'event', eventId: parts[1] } : `Invalid event id '${parts[1]}'`;
  }
  if (parts.length === 6 && parts[0] === 'clip' && parts[2] === 'start' && parts[4] === 'end') {
    return rangeRoute(parts[1], parts[3], parts[5], { clip: true });
  }
  if (parts.length === 6 && (parts[1] === 'main' || parts[1] === 'sub') && parts[2] === 'start' && parts[4] === 'end') {
    return rangeRoute(parts[0], parts[3], parts[5], { clip: false, stream: parts[1] });
  }
  if (parts.length === 5 && parts[1] === 'start' && parts[3] === 'end') return rangeRoute(parts[0], parts[2], parts[4], { clip: false });
  if ((parts.length === 4 || parts.length === 5) && /^\d{4}-\d{2}$/.test(parts[0])) return hourRoute(parts);
  return null;
}

function rangeRoute(camera: string, start: string, end: string, extra: { clip: boolean; stream?: 'main' | 'sub' }): VodRoute | string {
  if (!isValidCameraName(camera)) return `Invalid camera name '${camera}'`;
  const [s, e] = [Number(start), Number(end)];
  if (!NUMBER.test(start) || !NUMBER.test(end) || !(e <= LATEST_EPOCH)) return 'start and end must be epoch seconds';
  if (!(e > s)) return 'end must be after start';
  return { form: 'range', camera, start: s, end: e, ...extra };
}

function hourRoute([yearMonth, day, hour, camera, timeZone]: string[]): VodRoute | string {
  const [year, month] = yearMonth.split('-').map(Number);
  const [d, h] = [Number(day), Number(hour)];
  // A day the month has (no 31 June), in a year recordings can be from.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(hour) || year < 1970 || year > 2099 || month < 1 || month > 12 || d < 1 || d > daysInMonth || h > 23) {
    return `Invalid hour '${yearMonth}/${day}/${hour}'`;
  }
  if (!isValidCameraName(camera)) return `Invalid camera name '${camera}'`;
  if (timeZone !== undefined && !/^[A-Za-z0-9_+,-]{1,64}$/.test(timeZone)) return `Invalid time zone '${timeZone}'`;
  return { form: 'hour', camera, year, month, day: d, hour: h, ...(timeZone !== undefined ? { timeZone } : {}) };
}
