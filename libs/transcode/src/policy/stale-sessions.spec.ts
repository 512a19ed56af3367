import { SessionActivity, findStaleSessions } from './stale-sessions';

describe('findStaleSessions', () => {
  const now = 1_000_000;
  const ttl = 600_000;

  it.each([
    { lastAccessAt: now, stale: false, why: 'just used' },
    { lastAccessAt: now - 1, stale: false, why: '1 ms idle' },
    { lastAccessAt: now - ttl + 1, stale: false, why: '1 ms before the ttl' },
    { lastAccessAt: now - ttl, stale: false, why: 'exactly at the ttl' },
    { lastAccessAt: now - ttl - 1, stale: true, why: '1 ms past the ttl' },
    { lastAccessAt: now - 10 * ttl, stale: true, why: 'long idle' },
    { lastAccessAt: now + 5_000, stale: false, why: 'accessed "in the future" (clock skew)' },
  ])('$why → stale: $stale', ({ lastAccessAt, stale }) => {
    const session = { id: 'a', lastAccessAt };
    expect(findStaleSessions([session], now, ttl)).toEqual(stale ? [session] : []);
  });

  it('returns the stale ones of many, in input order, as the same objects', () => {
    const sessions = [
      { id: 'old', lastAccessAt: now - ttl - 1, extra: 1 },
      { id: 'fresh', lastAccessAt: now, extra: 2 },
      { id: 'older', lastAccessAt: 0, extra: 3 },
    ];
    const stale = findStaleSessions(sessions, now, ttl);
    expect(stale.map((s) => s.id)).toEqual(['old', 'older']);
    expect(stale[0]).toBe(sessions[0]);
    expect(stale[1].extra).toBe(3);
  });

  it('accepts any iterable, such as a Map of sessions', () => {
    const map = new Map<string, SessionActivity>([
      ['x', { id: 'x', lastAccessAt: 0 }],
      ['y', { id: 'y', lastAccessAt: now }],
    ]);
    expect(findStaleSessions(map.values(), now, ttl).map((s) => s.id)).toEqual(['x']);
  });

  it('returns nothing for no sessions', () => {
    expect(findStaleSessions([], now, ttl)).toEqual([]);
  });
});
