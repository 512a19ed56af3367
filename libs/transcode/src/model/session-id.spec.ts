import { SESSION_ID_REGEX, canonicalSeconds, transcodeSessionId } from './session-id';

describe('transcodeSessionId', () => {
  const start = 1_710_075_600;
  const end = start + 3600;

  it('is deterministic', () => {
    expect(transcodeSessionId('front', start, end)).toBe(transcodeSessionId('front', start, end));
  });

  it('is 32 lowercase hex characters and matches SESSION_ID_REGEX', () => {
    const id = transcodeSessionId('front', start, end);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(SESSION_ID_REGEX.test(id)).toBe(true);
  });

  it('keys times to the millisecond: 10 and 10.0001 give the same id', () => {
    expect(transcodeSessionId('front', 10, 20)).toBe(transcodeSessionId('front', 10.0001, 20));
    expect(transcodeSessionId('front', 10, 20)).toBe(transcodeSessionId('front', 10, 20.0004));
    expect(canonicalSeconds(10)).toBe(canonicalSeconds(10.0001));
    expect(canonicalSeconds(10)).toBe('10.000');
  });

  it('tells apart times a millisecond apart', () => {
    expect(transcodeSessionId('front', 10, 20)).not.toBe(transcodeSessionId('front', 10.001, 20));
  });

  it.each([
    ['camera', ['back', start, end]],
    ['start', ['front', start + 1, end]],
    ['end', ['front', start, end + 1]],
    ['start and end swapped', ['front', end, start]],
  ] as const)('differs when the %s differs', (_what, [camera, s, e]) => {
    expect(transcodeSessionId(camera, s, e)).not.toBe(transcodeSessionId('front', start, end));
  });

  it('does not let the camera name run into the times', () => {
    // "a" + "1\n2" must not collide with "a\n1" + "2"-style concatenations.
    expect(transcodeSessionId('a1', 2, 3)).not.toBe(transcodeSessionId('a', 12, 3));
  });

  it.each(['', 'ABCDEF0123456789abcdef0123456789', 'g'.repeat(32), 'a'.repeat(31), 'a'.repeat(33), '../' + 'a'.repeat(29)])(
    'SESSION_ID_REGEX rejects %p',
    (id) => {
      expect(SESSION_ID_REGEX.test(id)).toBe(false);
    },
  );
});
