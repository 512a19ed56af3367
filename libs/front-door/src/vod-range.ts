import type { VodRoute } from './vod-path';

export interface TimeRange {
  camera: string;
  start: number;
  end: number;
}

/**
 * Pure: seconds east of UTC of a Frigate time zone name ("utc", "America,New_York": a comma
 * for the slash) at `now`; `localOffsetSeconds` (this process's zone, TZ) when none is named, as
 * Frigate uses its own local zone then. Null for a zone nobody knows.
 */
export function timeZoneOffsetSeconds(timeZone: string | undefined, now: Date, localOffsetSeconds = -now.getTimezoneOffset() * 60): number | null {
  if (timeZone === undefined) return localOffsetSeconds;
  let name: string | undefined;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone: timeZone.replace(/,/g, '/'), timeZoneName: 'longOffset' })
      .formatToParts(now)
      .find((part) => part.type === 'timeZoneName')?.value;
  } catch {
    return null;
  }
  // "GMT" for UTC itself, else "GMT+05:30" / "GMT-04:00".
  const offset = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name ?? '');
  if (!offset) return null;
  if (!offset[1]) return 0;
  return (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 3600 + Number(offset[3]) * 60);
}

/**
 * Pure: the hour a Home Assistant URL names, as Frigate's vod_hour maps it: HH:00:00.000 to
 * HH:59:59.999 local time, turned into UTC with the zone's offset *now* (Frigate does not use
 * the offset of that date, so across a daylight-saving change the hour moves; matched, so both
 * show the same footage for the same URL).
 */
export function hourRange(route: Extract<VodRoute, { form: 'hour' }>, offsetSeconds: number): TimeRange {
  const start = Date.UTC(route.year, route.month - 1, route.day, route.hour) / 1000 - offsetSeconds;
  return { camera: route.camera, start, end: start + 3600 - 0.001 };
}
