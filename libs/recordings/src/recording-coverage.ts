import { RecordedPeriod } from './recording-source.interface';

export interface TimeSpan {
  start: number;
  end: number;
}

export interface RecordingCoverage {
  spans: TimeSpan[];
  gaps: TimeSpan[];
}

/** Files closer together than this count as continuous (cameras start a file a hair late). */
const CONTINUITY_TOLERANCE_SECONDS = 1;

/**
 * Pure: which parts of [after, before) have recordings (spans) and which do not (gaps), from
 * the files that overlap it, sorted by start.
 */
export function coverageOf(files: readonly RecordedPeriod[], after: number, before: number): RecordingCoverage {
  const spans: TimeSpan[] = [];
  for (const file of files) {
    const start = Math.max(after, file.startTime);
    const end = Math.min(before, file.startTime + file.durationSeconds);
    if (end <= start) continue;
    const last = spans.at(-1);
    if (last && start <= last.end + CONTINUITY_TOLERANCE_SECONDS) last.end = Math.max(last.end, end);
    else spans.push({ start, end });
  }
  const gaps: TimeSpan[] = [];
  let cursor = after;
  for (const span of spans) {
    if (span.start > cursor) gaps.push({ start: cursor, end: span.start });
    cursor = Math.max(cursor, span.end);
  }
  if (cursor < before) gaps.push({ start: cursor, end: before });
  return { spans, gaps };
}
