import { failureReason } from '@app/ffmpeg';
import { HttpException, HttpStatus } from '@nestjs/common';
import { HeaderCarryingException } from '@app/common';

/** Every transcode error carries the JSON body clients see, even without the app's filter. */
abstract class TranscodeHttpException extends HttpException {
  protected constructor(message: string, status: HttpStatus) {
    super({ success: false, message }, status);
  }
}

export class InvalidRangeException extends TranscodeHttpException {
  constructor(message: string) {
    super(message, HttpStatus.BAD_REQUEST);
  }
}

export class UnknownCameraException extends TranscodeHttpException {
  constructor(camera: string) {
    super(`Unknown camera '${camera}'`, HttpStatus.NOT_FOUND);
  }
}

export class NoRecordingsException extends TranscodeHttpException {
  constructor(camera: string, start: number, end: number) {
    super(`No recordings for camera '${camera}' between ${start} and ${end}`, HttpStatus.NOT_FOUND);
  }
}

export class SessionNotFoundException extends TranscodeHttpException {
  constructor() {
    super('No such transcode session (it may have expired)', HttpStatus.NOT_FOUND);
  }
}

export class SegmentNotFoundException extends TranscodeHttpException {
  constructor(fileName: string) {
    super(`Segment ${fileName} is not available`, HttpStatus.NOT_FOUND);
  }
}

/** Seconds a client is told to wait when every transcode slot is taken. */
export const RETRY_AFTER_SECONDS = 10;

export class TooManyTranscodesException extends TranscodeHttpException implements HeaderCarryingException {
  readonly responseHeaders = { 'Retry-After': String(RETRY_AFTER_SECONDS) };

  constructor(limit: number) {
    super(`Too many concurrent transcodes (limit ${limit}); retry in ${RETRY_AFTER_SECONDS} s`, HttpStatus.TOO_MANY_REQUESTS);
  }
}

export class FirstSegmentTimeoutException extends TranscodeHttpException {
  constructor(seconds: number, stderrTail: readonly string[], index = 0) {
    super(`${index === 0 ? 'The first segment' : `Segment ${index}`} was not ready within ${seconds} s${formatTail(stderrTail)}`, HttpStatus.GATEWAY_TIMEOUT);
  }
}

export class TranscoderFailedException extends TranscodeHttpException {
  /**
   * `recording` names the file ffmpeg was reading: then the message gives it and the line of
   * stderr that says why (the whole tail is in the log), else ffmpeg's last lines.
   */
  constructor(reason: string, stderrTail: readonly string[], recording?: string) {
    const cause = recording ? failureReason(stderrTail) : null;
    super(
      recording
        ? `ffmpeg failed on recording ${recording}: ${cause ?? reason}${cause ? ` (${reason})` : formatTail(stderrTail)}`
        : `ffmpeg failed: ${reason}${formatTail(stderrTail)}`,
      HttpStatus.BAD_GATEWAY,
    );
  }
}

/** The last few stderr lines: enough to diagnose, short enough for a message. */
function formatTail(lines: readonly string[]): string {
  const tail = lines.slice(-5);
  return tail.length ? `; ffmpeg said: ${tail.join(' | ')}` : '';
}

export class InsufficientStorageException extends TranscodeHttpException {
  /** `what`: what there is no room for (another transcode, this export). */
  constructor(reason: string, what = 'another transcode') {
    super(`No room for ${what}: ${reason}; retry when a viewer has left`, HttpStatus.INSUFFICIENT_STORAGE);
  }
}

/** The service cannot transcode right now (ffmpeg cannot be started, TRANSCODE_DIR is not writable). */
export class TranscoderUnavailableException extends TranscodeHttpException {
  constructor(reason: string) {
    super(`Transcoding is unavailable: ${reason} (see /health)`, HttpStatus.SERVICE_UNAVAILABLE);
  }
}

/** The NVR deleted the recording that holds a segment (retention) while the session was open. */
export class RecordingGoneException extends TranscodeHttpException {
  constructor(index: number) {
    super(`The recording that holds segment ${index} no longer exists (the NVR deleted it)`, HttpStatus.GONE);
  }
}

/** Seconds a viewer is told to wait when every ffmpeg process slot is taken by runs that cannot be preempted. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

export class NoFfmpegSlotException extends TranscodeHttpException implements HeaderCarryingException {
  readonly responseHeaders = { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) };

  constructor(limit: number) {
    super(
      `All ${limit} ffmpeg processes (MAX_FFMPEG_PROCESSES) are making segments viewers wait for; retry in ${BUSY_RETRY_AFTER_SECONDS} s`,
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
}

export class TooManyUserSessionsException extends TranscodeHttpException {
  constructor(limit: number) {
    super(`You have ${limit} live transcode sessions (MAX_SESSIONS_PER_USER); stop one (DELETE) or let one expire first`, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** The client went away while its request waited: nothing is sent. */
export class RequestWithdrawnException extends TranscodeHttpException {
  constructor() {
    super('The request was withdrawn by its client', 499 as HttpStatus);
  }
}

/** Seconds a client is told to wait when the process is out of file descriptors. */
const OUT_OF_FILES_RETRY_SECONDS = 1;

/**
 * The process (or the host) has no file descriptor left to open a segment with (EMFILE,
 * ENFILE): the file is there, the server is busy; a 503 the player retries, not a 404 that
 * would end playback.
 */
export class OutOfFileDescriptorsException extends TranscodeHttpException implements HeaderCarryingException {
  readonly responseHeaders = { 'Retry-After': String(OUT_OF_FILES_RETRY_SECONDS) };

  constructor() {
    super(`The server has too many files open; retry in ${OUT_OF_FILES_RETRY_SECONDS} s`, HttpStatus.SERVICE_UNAVAILABLE);
  }
}

/** Pure: whether an fs error means no descriptor was left, rather than no such file. */
export function isOutOfFileDescriptors(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}
