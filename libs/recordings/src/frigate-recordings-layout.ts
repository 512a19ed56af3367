import { isValidCameraName } from './camera-name';

/**
 * Frigate's recordings layout: `<root>/YYYY-MM-DD/HH/<camera>/MM.SS.mp4`, all in UTC.
 * Pure helpers: no file system access here.
 */
export const HOUR_DIR_REGEX = /^\d{2}$/;
export const DATE_DIR_REGEX = /^\d{4}-\d{2}-\d{2}$/;
const FILE_NAME_REGEX = /^(\d{2})\.(\d{2})\.mp4$/;

/** Relative folder (date/hour) of the UTC hour that contains `epochSeconds`. */
export function hourFolder(epochSeconds: number): string {
  const iso = new Date(Math.floor(epochSeconds / 3600) * 3600 * 1000).toISOString();
  return `${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
}

/** Epoch start of a recording from its date folder, hour folder and file name; null if it is not one. */
export function recordingStartTime(date: string, hour: string, fileName: string): number | null {
  const match = FILE_NAME_REGEX.exec(fileName);
  if (!match || !DATE_DIR_REGEX.test(date) || !HOUR_DIR_REGEX.test(hour)) return null;
  const [minutes, seconds] = [Number(match[1]), Number(match[2])];
  if (minutes > 59 || seconds > 59 || Number(hour) > 23) return null;
  const ms = Date.parse(`${date}T${hour}:${match[1]}:${match[2]}Z`);
  // Date.parse rolls impossible days over (2024-02-30 becomes 2024-03-01): such a folder is not a date.
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return null;
  return ms / 1000;
}

/** Relative path of a recording that starts at `epochSeconds` (used to write demo and test fixtures). */
export function recordingRelativePath(camera: string, epochSeconds: number): string {
  if (!isValidCameraName(camera)) throw new Error(`invalid camera name: ${camera}`);
  const iso = new Date(Math.floor(epochSeconds) * 1000).toISOString();
  return `${hourFolder(epochSeconds)}/${camera}/${iso.slice(14, 16)}.${iso.slice(17, 19)}.mp4`;
}

/**
 * A recording as messages and logs name it: its last four path parts (Frigate's
 * `day/hour/camera/file`, e.g. `2023-11-15/00/front/00.10.mp4`), never the folder it lives in
 * on this server or an upstream's address.
 */
export function recordingLabel(path: string): string {
  const parts = (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) ? new URL(path).pathname : path).split('/').filter(Boolean);
  return parts.slice(-4).join('/');
}
