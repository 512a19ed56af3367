/**
 * The one encoder-choice policy: hardware or software for a run, when a session falls back to
 * software, what a run's first segment proves about the hardware, and what /health reports.
 * Pure; EncoderSelector holds the node's state (the last hardware failure) and asks here, and
 * so does each session's scheduler.
 */
import type { EncoderKind } from '@app/ffmpeg';

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
export function chooseEncoderKind(input: EncoderChoiceInput): EncoderKind {
  return encoderKindForRun(isHardwareAllowed(input), input.sessionFellBack);
}

/** Pure: whether new runs on this node may use the hardware encoder now: one is configured and has not failed within the retry time. */
export function isHardwareAllowed(input: Omit<EncoderChoiceInput, 'sessionFellBack'>): boolean {
  if (!input.hardwareConfigured) return false;
  return input.lastHardwareFailureAt === null || input.now - input.lastHardwareFailureAt >= input.retryAfterMs;
}

/** Pure: the encoder of a session's new run, from what the node allows and whether the session fell back. */
export function encoderKindForRun(hardwareAllowed: boolean, sessionFellBack: boolean): EncoderKind {
  return hardwareAllowed && !sessionFellBack ? 'hardware' : 'software';
}

/** How a run ended, as the fallback rule sees it. */
export interface RunEnding {
  hardware: boolean;
  /** It finished at least one segment. */
  madeSegment: boolean;
  /** It was asked to stop (a stop leaves no verdict on its encoder). */
  stopping: boolean;
  /** It never started (a recording gone, a folder not writable): no reason to blame the encoder. */
  beforeSpawn: boolean;
}

/**
 * Pure: whether a run's end shows that the hardware encoder failed to start (no device, an
 * unsupported profile, a session limit): a hardware run that ended before its first segment,
 * by itself. Its session goes on in software; its viewer waits one more start-up, not a 502.
 */
export function hardwareFailedToStart(run: RunEnding): boolean {
  return run.hardware && !run.madeSegment && !run.stopping && !run.beforeSpawn;
}

/** What a run's first segment proves about the hardware encoder. */
export type EncoderVerdict = { kind: 'hardware-works' } | { kind: 'hardware-failed'; reason: string } | null;

/**
 * Pure: the first segment of a run proves its encoder: a hardware run's, that the hardware works;
 * a software run's in a session that fell back, that the hardware (not the recording) was at
 * fault, so other sessions skip it for a while.
 */
export function verdictOfFirstSegment(runHardware: boolean, sessionFallback: string | null): EncoderVerdict {
  if (runHardware) return { kind: 'hardware-works' };
  return sessionFallback !== null ? { kind: 'hardware-failed', reason: sessionFallback } : null;
}

/** The ffmpeg video encoder name of a run: a copied stream has none (its runs say `copy`). */
export function runVideoEncoder(videoMode: 'encode' | 'copy' | 'fast', builderEncoder: string): string {
  return videoMode === 'copy' ? 'copy' : builderEncoder;
}

/** What /health says about the encoder. */
export interface EncoderStatus {
  /** FFMPEG_HWACCEL, resolved (`none` for software). */
  hwaccel: string;
  /** The ffmpeg encoder new sessions get now. */
  encoder: string;
  /** The hardware encoder failed to start and sessions fell back to software. */
  degraded: boolean;
  reason?: string;
  /** When it last failed (ISO time). */
  since?: string;
}

/** Pure: the encoder status of a node: which encoder new sessions get now, and whether the hardware one is degraded. */
export function encoderStatusOf(input: {
  hwaccel: string;
  hardwareEncoder: string | null;
  softwareEncoder: string;
  failure: { at: number; reason: string } | null;
  now: number;
  retryAfterMs: number;
}): EncoderStatus {
  const { hwaccel, hardwareEncoder, softwareEncoder, failure } = input;
  const allowed = isHardwareAllowed({
    hardwareConfigured: hardwareEncoder !== null,
    lastHardwareFailureAt: failure?.at ?? null,
    now: input.now,
    retryAfterMs: input.retryAfterMs,
  });
  const encoder = hardwareEncoder !== null && allowed ? hardwareEncoder : softwareEncoder;
  if (hardwareEncoder === null || !failure) return { hwaccel, encoder, degraded: false };
  return { hwaccel, encoder, degraded: true, reason: failure.reason, since: new Date(failure.at).toISOString() };
}
