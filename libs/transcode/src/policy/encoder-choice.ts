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
