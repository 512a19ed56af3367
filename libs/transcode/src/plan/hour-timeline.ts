import { MIN_PIECE_SECONDS, type RecordingFile, type TimelinePiece } from '@app/recordings';

export const HOUR_SECONDS = 3600;
/**
 * Offset 0 of an hour's timeline is this many seconds, plus an hour for each hour of the day, of
 * MPEG-TS time: above 0 however far the lead-in starts before the hour, roughly rising through a
 * day, and a day fits in the 33 bits of 90 kHz (which wrap after 26.5 h).
 */
export const TIMELINE_PTS_MARGIN_SECONDS = 600;

/**
 * One camera hour as one continuous timeline (design: docs/design/tracks.md): its lead-in (the
 * last recording of the hour before, when it runs into this hour) and the recordings that start
 * in the hour, in start order, each played whole and back to back (gaps collapsed, overlaps
 * played whole), as Frigate's `vod_ts` maps recordings. Every range inside the hour is a slice of
 * it, so a segment of it is the same frames with the same timestamps for every range.
 */
export interface HourTimeline {
  camera: string;
  /** Epoch seconds (UTC) of the hour's start. */
  hourStart: number;
  /** The lead-in (if any) then the hour's own recordings, each whole (in point 0). */
  pieces: TimelinePiece[];
  durationSeconds: number;
  /** Index of the first of the hour's own recordings: 1 with a lead-in, else 0. */
  ownFrom: number;
  /** MPEG-TS time of offset 0 of the timeline, seconds. */
  ptsBaseSeconds: number;
}

/** Pure: the start (epoch seconds) of the UTC hour that holds `epochSeconds`. */
export function hourStartOf(epochSeconds: number): number {
  return Math.floor(epochSeconds / HOUR_SECONDS) * HOUR_SECONDS;
}

/** Pure: the MPEG-TS time of offset 0 of the timeline of the hour starting at `hourStart`, seconds. */
export function timelinePtsBase(hourStart: number): number {
  const hourOfDay = (((hourStart / HOUR_SECONDS) % 24) + 24) % 24;
  return TIMELINE_PTS_MARGIN_SECONDS + HOUR_SECONDS * hourOfDay;
}

/**
 * Pure: the timeline of the hour starting at `hourStart`, from the camera's recordings around it
 * (sorted by start, at least those that start in the hour and the last that starts before it).
 * Recordings shorter than MIN_PIECE_SECONDS are left out, as Frigate leaves them out.
 */
export function planHourTimeline(camera: string, hourStart: number, files: readonly RecordingFile[]): HourTimeline {
  const hourEnd = hourStart + HOUR_SECONDS;
  const playable = files.filter((file) => file.durationSeconds >= MIN_PIECE_SECONDS);
  const own = playable.filter((file) => file.startTime >= hourStart && file.startTime < hourEnd);
  // The one that starts last before the hour, if it runs into the hour (by a piece's worth at least).
  const before = playable.filter((file) => file.startTime < hourStart);
  const last = before[before.length - 1];
  const leadIn = last && last.startTime + last.durationSeconds >= hourStart + MIN_PIECE_SECONDS ? last : undefined;
  const pieces: TimelinePiece[] = [];
  let offset = 0;
  for (const file of leadIn ? [leadIn, ...own] : own) {
    pieces.push({
      path: file.path,
      ...(file.initSegmentUri ? { initSegmentUri: file.initSegmentUri } : {}),
      ...(file.media ? { media: file.media } : {}),
      fileStartTime: file.startTime,
      fileDurationSeconds: file.durationSeconds,
      inpointSeconds: 0,
      durationSeconds: file.durationSeconds,
      timelineOffsetSeconds: offset,
    });
    offset += file.durationSeconds;
  }
  return { camera, hourStart, pieces, durationSeconds: offset, ownFrom: leadIn ? 1 : 0, ptsBaseSeconds: timelinePtsBase(hourStart) };
}

/** Pure: the hours (their starts) whose timelines a range [start, end) plays from, in order. */
export function hoursOfRange(start: number, end: number): number[] {
  const hours: number[] = [];
  for (let hour = hourStartOf(start); hour < end; hour += HOUR_SECONDS) hours.push(hour);
  return hours;
}
