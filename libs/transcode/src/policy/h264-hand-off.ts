import { HttpException, HttpStatus } from '@nestjs/common';
import type { TimelinePiece } from '@app/recordings';

/** The code an H264RangeException's body carries: it survives a hop between cluster nodes, as a class would not. */
export const H264_RANGE_CODE = 'h264-range';
const H264_TAGS = new Set(['avc1', 'avc3']);

/**
 * A new session asked for with `handOffH264` whose recordings are all H.264: not started, so
 * its caller (the front door) plays them as they are (Frigate's own /vod). Never reaches a client.
 */
export class H264RangeException extends HttpException {
  constructor() {
    super(
      { success: false, message: 'Every recording of this range is H.264: it is played as it is, not transcoded', code: H264_RANGE_CODE },
      HttpStatus.UNPROCESSABLE_ENTITY,
    );
  }
}

/** Whether `error` is an H264RangeException, here or from the node that planned the range. */
export function isH264RangeRefusal(error: unknown): boolean {
  if (!(error instanceof HttpException)) return false;
  const body = error.getResponse();
  return typeof body === 'object' && body !== null && (body as { code?: unknown }).code === H264_RANGE_CODE;
}

/**
 * Pure: the video codecs (sample-entry tags: hvc1, avc1, …) of a plan's recordings, each once,
 * in the order they first appear; undefined when any piece's header was not read (a source
 * that reads none, Frigate's VOD).
 */
export function sourceVideoCodecs(pieces: readonly TimelinePiece[]): string[] | undefined {
  const codecs = new Set<string>();
  for (const piece of pieces) {
    const tag = piece.media?.video?.codecTag;
    if (!tag) return undefined;
    codecs.add(tag);
  }
  return [...codecs];
}

/** Pure: whether codecs that are known are all H.264 (and there is at least one). */
export function isAllH264(codecs: readonly string[] | undefined): boolean {
  return !!codecs && codecs.length > 0 && codecs.every((codec) => H264_TAGS.has(codec));
}
