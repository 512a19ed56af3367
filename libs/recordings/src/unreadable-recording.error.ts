/**
 * Why a recording cannot be read. A file in any of these states is skipped as a missing one
 * would be (Frigate's VOD skips it too), and named in the timeline and the log.
 */
export const UNREADABLE_REASONS = [
  /** Zero bytes: a recorder that created the file and wrote nothing. */
  'empty',
  /** No complete `moov` box: cut short before its header was written (power loss, a recorder killed mid-write), still being written, or not an MP4. */
  'no-moov',
  /** A `moov` larger than any camera recording's (see MAX_MOOV_BYTES). */
  'moov-too-large',
  /** A sample table whose counts, sizes or offsets do not fit the box that holds them. */
  'sample-table',
  /** More samples than a recording may have (see MAX_SAMPLES_PER_FILE). */
  'too-many-samples',
  /** A duration that is not a number a recording can have (see MAX_RECORDING_SECONDS). */
  'bad-duration',
  /** The header gives no duration, and ffprobe could not read one either. */
  'no-duration',
  /** The file could not be opened or read (permissions, an I/O error). */
  'cannot-read',
] as const;

export type UnreadableReason = (typeof UNREADABLE_REASONS)[number];

/** What is known about a recording that cannot be read: a plain value, kept per file version. */
export interface UnreadableVerdict {
  reason: UnreadableReason;
  /** What is wrong, in words: names no server path. */
  message: string;
}

/** A recording's bytes break what the MP4 readers accept: the file is unreadable, and skipped. */
export class UnreadableRecordingError extends Error {
  constructor(
    readonly reason: UnreadableReason,
    message: string,
  ) {
    super(message);
    this.name = 'UnreadableRecordingError';
  }

  get verdict(): UnreadableVerdict {
    return { reason: this.reason, message: this.message };
  }
}
