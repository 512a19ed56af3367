import { HttpException, HttpStatus } from '@nestjs/common';
import { HeaderCarryingException } from '@app/common';
import type { ExportAdmission } from './export-admission';

/** Seconds a refused export is told to wait: exports take a while, polling faster helps nobody. */
export const EXPORT_RETRY_AFTER_SECONDS = 30;

export class TooManyExportsException extends HttpException implements HeaderCarryingException {
  readonly responseHeaders = { 'Retry-After': String(EXPORT_RETRY_AFTER_SECONDS) };

  constructor(reason: Extract<ExportAdmission, { kind: 'refuse' }>['reason'], limit: number) {
    const why = reason === 'requester-limit' ? `You already have ${limit} export(s) running` : `Too many exports at once (limit ${limit})`;
    super({ success: false, message: `${why}; retry in ${EXPORT_RETRY_AFTER_SECONDS} s` }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

export class ExportFailedException extends HttpException {
  /** `stderrTail`: ffmpeg's last lines (the log has them all). */
  constructor(reason: string, stderrTail: readonly string[] = []) {
    const tail = stderrTail.slice(-5);
    super({ success: false, message: `Writing the MP4 failed: ${reason}${tail.length ? `; ffmpeg said: ${tail.join(' | ')}` : ''}` }, HttpStatus.BAD_GATEWAY);
  }
}
