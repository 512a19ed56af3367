import { InvalidSettingError } from '@app/common';
import type { VideoRateControl } from '@app/ffmpeg';

/**
 * The quality ladder: the renditions of one range, each a smaller picture at a lower bitrate,
 * so a player on a weak link switches down instead of stalling. Pure: the `LADDER` setting
 * parsed, and the rungs a given source gets. bench/history/2026-12-08-ladder.md has the numbers
 * every constant here comes from.
 */

/** A rung as `LADDER` names it: a height, or `max` (the source height capped at OUTPUT_MAX_HEIGHT). */
export type LadderHeight = number | 'max';

/** The default ladder: the top rung, then about 480p and 240p. */
export const DEFAULT_LADDER: readonly LadderHeight[] = ['max', 480, 240];

/** The smallest rung height: below it a camera picture is no use, and x264 has little left to save. */
export const MIN_RUNG_HEIGHT = 144;

/** The CRF of every rung: the service's own (what one rendition has always had). */
export const RUNG_CRF = 23;

/**
 * The cap of a rung's video, in bits a second per pixel of its picture: linear in pixels, as a
 * rung a quarter the size must fit a link a quarter as fast. At 15 fps (most cameras record
 * that) it lets CRF 23 through on a calm scene and holds the moving test pattern to 720p at
 * 2 Mb/s, 480p under 1 Mb/s. bench/history/2026-12-08-ladder.md has the measurements.
 */
const MAXRATE_BITS_PER_PIXEL = 2.2;
/** The smallest cap: under it a 240p rung of a busy scene is blocks. */
const MIN_MAXRATE_KBPS = 300;
/**
 * x264's VBV buffer in seconds of the cap. The VBV bounds the bits of any T seconds at
 * maxrate × T + bufsize, so a 2 s segment peaks at 1.25 × maxrate with half a second: BANDWIDTH
 * can be that bound, not a guess; and half a second still holds a keyframe.
 */
const BUFSIZE_SECONDS = 0.5;
/** The segment length the peak bound is taken over (SEGMENT_DURATION_SECONDS' default). */
const PEAK_WINDOW_SECONDS = 2;
/**
 * The AAC of a session (at most: 64 kb/s mono, 96 kb/s stereo) and the MPEG-TS packaging of both
 * streams (measured: 5% of a 720p rung, 10% of a 234p one, whose audio packets weigh more).
 */
const AUDIO_KBPS = 96;
const MPEGTS_OVERHEAD = 1.1;
/**
 * AVERAGE-BANDWIDTH before a range is measured: the cap itself. The moving test pattern averages
 * just under it; a calm scene far under it, so a player may start a rung higher than this says.
 */
const AVERAGE_OVER_MAXRATE = 1;
/** A lower rung's height may be up to this share under the one asked, to keep the source's aspect exactly. */
const EXACT_ASPECT_SLACK = 0.1;

/** One rendition of the ladder. */
export interface LadderRung {
  /** Its name in URIs and logs: `<height>p`. */
  name: string;
  width: number;
  height: number;
  rate: Required<VideoRateControl>;
  /** EXT-X-STREAM-INF BANDWIDTH: the peak bits a second of a segment, audio and packaging included. */
  bandwidth: number;
  /** EXT-X-STREAM-INF AVERAGE-BANDWIDTH: the average bits a second over the range, estimated. */
  averageBandwidth: number;
}

/**
 * Pure: the `LADDER` setting. Unset or empty: DEFAULT_LADDER. `off`: no ladder (one rendition,
 * as before). Otherwise heights separated by commas, `max` for the top one (`LADDER=max,360`,
 * `LADDER=1080,480,240`). A wrong value stops the app with one line naming it.
 */
export function parseLadderSetting(value: string | undefined): readonly LadderHeight[] | null {
  const text = value?.trim() ?? '';
  if (text === '') return DEFAULT_LADDER;
  if (text.toLowerCase() === 'off') return null;
  const heights = text.split(',').map((part) => part.trim().toLowerCase());
  const invalid = (reason: string) =>
    new InvalidSettingError(`Invalid setting LADDER=${JSON.stringify(value)}: ${reason} (e.g. LADDER=max,480,240, or LADDER=off)`);
  return heights.map((part): LadderHeight => {
    if (part === 'max') return 'max';
    if (!/^\d+$/.test(part)) throw invalid(`"${part}" is not a height in lines, nor max`);
    const height = Number(part);
    if (height < MIN_RUNG_HEIGHT || height > 4320) throw invalid(`${height} is not between ${MIN_RUNG_HEIGHT} and 4320`);
    return height;
  });
}

/**
 * Pure: the rungs of a source of `width`×`height`, highest first. Each keeps the source's aspect
 * with even sizes (4:2:0), is never taller than the source nor than `outputMaxHeight` (`max`
 * is exactly that), and a height that lands on another rung's is one rung. The top rung is
 * exactly the one rendition a session has without the ladder (chooseOutputFormat's size).
 */
export function planLadderRungs(ladder: readonly LadderHeight[], source: { width: number; height: number }, outputMaxHeight: number): LadderRung[] {
  const topHeight = evenDown(Math.min(source.height, outputMaxHeight));
  const sizes = ladder.map((height) => {
    const wanted = height === 'max' ? topHeight : evenDown(Math.min(height, topHeight));
    return wanted === topHeight ? { width: widthAt(source, topHeight), height: topHeight } : lowerRungSize(source, wanted);
  });
  const unique = new Map(sizes.map((size) => [size.height, size]));
  return [...unique.values()].sort((a, b) => b.height - a.height).map(rung);
}

/**
 * A lower rung's size: the tallest even height at most `wanted` and at most EXACT_ASPECT_SLACK
 * under it whose width at the source's aspect is a whole even number (1920×1080 at 480: 832×468,
 * at 240: 416×234), else `wanted` with the width rounded. An inexact width makes the scaler
 * letterbox the picture by a pixel, which blurs every edge a player scales back up.
 */
function lowerRungSize(source: { width: number; height: number }, wanted: number): { width: number; height: number } {
  for (let height = wanted; height >= wanted * (1 - EXACT_ASPECT_SLACK); height -= 2) {
    const width = (source.width * height) / source.height;
    if (Number.isInteger(width) && width % 2 === 0) return { width, height };
  }
  return { width: widthAt(source, wanted), height: wanted };
}

/** The even width of `height` at the source's aspect (chooseOutputFormat's rounding). */
function widthAt(source: { width: number; height: number }, height: number): number {
  return Math.max(2, Math.round((source.width * height) / source.height / 2) * 2);
}

function rung({ width, height }: { width: number; height: number }): LadderRung {
  const maxrateKbps = Math.max(MIN_MAXRATE_KBPS, roundTo((width * height * MAXRATE_BITS_PER_PIXEL) / 1000, 50));
  const streamBits = (videoKbps: number) => Math.round((videoKbps + AUDIO_KBPS) * MPEGTS_OVERHEAD * 1000);
  return {
    name: `${height}p`,
    width,
    height,
    rate: { crf: RUNG_CRF, maxrateKbps, bufsizeKbps: Math.round(maxrateKbps * BUFSIZE_SECONDS) },
    bandwidth: streamBits(maxrateKbps * (1 + BUFSIZE_SECONDS / PEAK_WINDOW_SECONDS)),
    averageBandwidth: streamBits(maxrateKbps * AVERAGE_OVER_MAXRATE),
  };
}

function evenDown(height: number): number {
  return Math.max(2, Math.floor(height / 2) * 2);
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}
