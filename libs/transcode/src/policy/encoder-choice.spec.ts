import {
  EncoderStatus,
  EncoderVerdict,
  RunEnding,
  chooseEncoderKind,
  encoderStatusOf,
  hardwareFailedToStart,
  runVideoEncoder,
  verdictOfFirstSegment,
} from './encoder-choice';

describe('chooseEncoderKind', () => {
  const base = { hardwareConfigured: true, sessionFellBack: false, lastHardwareFailureAt: null, now: 100_000, retryAfterMs: 60_000 };

  it.each([
    ['no hardware configured', { hardwareConfigured: false }, 'software'],
    ['hardware configured, never failed', {}, 'hardware'],
    ['this session already fell back', { sessionFellBack: true }, 'software'],
    ['the hardware failed 10 s ago elsewhere', { lastHardwareFailureAt: 90_000 }, 'software'],
    ['the hardware failed just under the retry time ago', { lastHardwareFailureAt: 40_001 }, 'software'],
    ['the hardware failed the retry time ago: try it again', { lastHardwareFailureAt: 40_000 }, 'hardware'],
    ['a fallen-back session stays in software after the retry time', { sessionFellBack: true, lastHardwareFailureAt: 0 }, 'software'],
  ] as const)('%s → %s', (_name, overrides, expected) => {
    expect(chooseEncoderKind({ ...base, ...overrides })).toBe(expected);
  });
});

describe('the rest of the encoder-choice policy', () => {
  it.each<[string, Partial<RunEnding>, boolean]>([
    ['a hardware run that ended by itself before its first segment', {}, true],
    ['a software run', { hardware: false }, false],
    ['a hardware run that made a segment', { madeSegment: true }, false],
    ['a hardware run asked to stop', { stopping: true }, false],
    ['a hardware run that never spawned (a recording gone)', { beforeSpawn: true }, false],
  ])('falls back to software for %s: %s', (_name, overrides, fellBack) => {
    expect(hardwareFailedToStart({ hardware: true, madeSegment: false, stopping: false, beforeSpawn: false, ...overrides })).toBe(fellBack);
  });

  it.each<[string, boolean, string | null, EncoderVerdict]>([
    ['a hardware run', true, null, { kind: 'hardware-works' }],
    ['a software run of a session that fell back', false, 'exit code 1', { kind: 'hardware-failed', reason: 'exit code 1' }],
    ['a software run of a session that never used the hardware', false, null, null],
  ])("takes the first segment of %s as the hardware's verdict", (_name, hardware, fallback, verdict) => {
    expect(verdictOfFirstSegment(hardware, fallback)).toEqual(verdict);
  });

  it('names a copied run\'s encoder "copy", others by their builder', () => {
    expect(['encode', 'copy', 'fast'].map((mode) => runVideoEncoder(mode as 'encode', 'h264_vaapi'))).toEqual(['h264_vaapi', 'copy', 'h264_vaapi']);
  });

  const status = { hwaccel: 'vaapi', hardwareEncoder: 'h264_vaapi', softwareEncoder: 'libx264', failure: null, now: 1_000_000, retryAfterMs: 300_000 };
  it.each<[string, Partial<Parameters<typeof encoderStatusOf>[0]>, EncoderStatus]>([
    ['software only', { hwaccel: 'none', hardwareEncoder: null }, { hwaccel: 'none', encoder: 'libx264', degraded: false }],
    ['hardware that works', {}, { hwaccel: 'vaapi', encoder: 'h264_vaapi', degraded: false }],
    [
      'hardware that failed a minute ago: new sessions in software',
      { failure: { at: 940_000, reason: 'no device' } },
      { hwaccel: 'vaapi', encoder: 'libx264', degraded: true, reason: 'no device', since: new Date(940_000).toISOString() },
    ],
    [
      'hardware that failed the retry time ago: new sessions try it again, still degraded until it works',
      { failure: { at: 700_000, reason: 'no device' } },
      { hwaccel: 'vaapi', encoder: 'h264_vaapi', degraded: true, reason: 'no device', since: new Date(700_000).toISOString() },
    ],
  ])('reports the encoder to /health: %s', (_name, overrides, expected) => {
    expect(encoderStatusOf({ ...status, ...overrides })).toEqual(expected);
  });
});
