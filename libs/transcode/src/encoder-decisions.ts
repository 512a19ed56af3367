/** What the session knows about its encoder when a segment is asked for. */
export interface EncoderView {
  running: boolean;
  /** First segment index of the current run. */
  startIndex: number;
  /** Next segment index the current run will finish. */
  nextIndex: number;
  /**
   * The run has not finished its first segment and is younger than the segment wait timeout:
   * it is not preempted (so every restart makes progress). Past that age it may be stuck.
   */
  protectedFromPreemption: boolean;
}

export type SegmentAction = 'serve' | 'wait' | 'restart';

/**
 * Pure: serve a finished segment, wait for one the running encoder will reach soon, or
 * restart the encoder at it (a seek, or nothing running). "Soon" is `waitWindowSegments`
 * ahead of what it is encoding now: closer than that, waiting beats a restart's start-up cost.
 */
export function decideSegmentAction(
  requested: number,
  isReady: boolean,
  encoder: EncoderView | null,
  waitWindowSegments: number,
): SegmentAction {
  if (isReady) return 'serve';
  if (!encoder?.running) return 'restart';
  // A run that has not finished its first segment is never preempted: every restart makes
  // progress, so two viewers far apart in one session cannot restart each other forever.
  if (encoder.protectedFromPreemption) return 'wait';
  if (requested < encoder.startIndex) return 'restart';
  // Passed by this run yet not ready (ffmpeg skipped it): this run will never announce it.
  if (requested < encoder.nextIndex) return 'restart';
  if (requested - encoder.nextIndex < waitWindowSegments) return 'wait';
  return 'restart';
}

/**
 * Pure: the viewer's position after a request. Moving back past where the encoder started is a
 * seek (the position moves back); otherwise prefetches arriving out of order never move it back.
 */
export function nextViewerHead(currentHead: number, requested: number, encoderStartIndex: number): number {
  return requested < encoderStartIndex ? requested : Math.max(currentHead, requested);
}

/** Pure: is the encoder far enough ahead of the viewer to pause? */
export function isTooFarAhead(nextIndex: number, viewerHead: number, lookaheadSegments: number): boolean {
  return nextIndex - 1 - viewerHead >= lookaheadSegments;
}

/** What the encoder choice of a new run depends on. */
export interface EncoderChoiceInput {
  /** FFMPEG_HWACCEL names a hardware accelerator. */
  hardwareConfigured: boolean;
  /** The hardware encoder already failed to start for this session. */
  sessionFellBack: boolean;
  /** When the hardware encoder last failed to start anywhere (epoch ms), if it has not worked since. */
  lastHardwareFailureAt: number | null;
  now: number;
  /** How long after a failure new sessions go straight to software. */
  retryAfterMs: number;
}

/**
 * Pure: hardware or software for a new encoder run. A session whose hardware run did not start
 * stays in software; other sessions skip the hardware for a while after a failure (a GPU that
 * is missing fails every time; one at its session limit, as NVENC on consumer cards, may not).
 */
export function chooseEncoderKind(input: EncoderChoiceInput): 'hardware' | 'software' {
  if (!input.hardwareConfigured || input.sessionFellBack) return 'software';
  if (input.lastHardwareFailureAt !== null && input.now - input.lastHardwareFailureAt < input.retryAfterMs) return 'software';
  return 'hardware';
}
