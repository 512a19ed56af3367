import { chooseEncoderKind } from './encoder-choice';

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
