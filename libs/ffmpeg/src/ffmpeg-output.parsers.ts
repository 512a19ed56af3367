import { Observable, filter, map, scan } from 'rxjs';

/** One finished segment, as announced by the segment muxer's CSV list. */
export interface FinishedSegment {
  fileName: string;
  startSeconds: number;
  endSeconds: number;
}

/** Parses a `-segment_list_type csv` line: `name,start,end`. Returns null for anything else. */
export function parseSegmentListLine(line: string): FinishedSegment | null {
  const match = /^"?([^",]+)"?,(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(line.trim());
  if (!match) return null;
  return { fileName: match[1], startSeconds: Number(match[2]), endSeconds: Number(match[3]) };
}

/** One `-progress` report. */
export interface FfmpegProgress {
  /** Output timestamp reached, in seconds. */
  outTimeSeconds: number;
  /** Encode speed relative to real time (1 = real time); null when ffmpeg does not know yet. */
  speed: number | null;
  frame: number;
  done: boolean;
}

/**
 * Folds ffmpeg's `-progress` key=value lines into one report per block.
 * A block ends with `progress=continue` or `progress=end`.
 */
export function toProgressReports(lines: Observable<string>): Observable<FfmpegProgress> {
  return lines.pipe(
    scan(
      (state, line) => {
        const eq = line.indexOf('=');
        if (eq <= 0) return { fields: state.complete ? {} : state.fields, complete: false };
        const key = line.slice(0, eq).trim();
        const value = line.slice(eq + 1).trim();
        const fields = state.complete ? {} : state.fields;
        return { fields: { ...fields, [key]: value }, complete: key === 'progress' };
      },
      { fields: {} as Record<string, string>, complete: false },
    ),
    filter((state) => state.complete),
    map(({ fields }) => ({
      outTimeSeconds: parseOutTime(fields['out_time_us'] ?? fields['out_time_ms']),
      speed: parseSpeed(fields['speed']),
      frame: Number(fields['frame'] ?? 0) || 0,
      done: fields['progress'] === 'end',
    })),
  );
}

function parseOutTime(microseconds: string | undefined): number {
  const value = Number(microseconds);
  // ffmpeg reports out_time_ms in microseconds too (a long-standing misnomer).
  return Number.isFinite(value) && value > 0 ? value / 1e6 : 0;
}

function parseSpeed(speed: string | undefined): number | null {
  const value = Number.parseFloat(speed ?? '');
  return Number.isFinite(value) ? value : null;
}

/** stderr lines that say why ffmpeg could not go on (not its warnings and advice). */
const FAILURE_LINE = /unknown codec|invalid|could not|not found|no such file|matches no streams|error|corrupt|impossible|unsupported|moov atom/i;
const ADVICE_LINE = /^(consider increasing|to ignore this)/i;

/**
 * Pure: the stderr line that says why ffmpeg failed, without its `[demuxer @ 0x…]` prefix, or
 * null when no line says (its last line is often an unrelated warning, an AAC one, say).
 */
export function failureReason(stderrTail: readonly string[]): string | null {
  const line = stderrTail.find((candidate) => FAILURE_LINE.test(candidate) && !ADVICE_LINE.test(candidate.trim()));
  return line ? line.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/i, '').trim() : null;
}
