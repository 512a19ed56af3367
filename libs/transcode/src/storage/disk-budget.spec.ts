import { ReservationCheck, SessionDiskView, checkReservation, planDiskReclaim, viewerPositionsFrom } from './disk-budget';

/** n segments of 100 bytes from index `from`. */
const segments = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ index: from + i, bytes: 100 }));
const watched = (id: string, positions: number[], segs = segments(0, 20), lastAccessAt = 1000): SessionDiskView => ({
  id,
  lastAccessAt,
  idle: false,
  segments: segs,
  viewerPositions: positions,
});
const idle = (id: string, lastAccessAt: number, segs = segments(0, 10)): SessionDiskView => ({
  id,
  lastAccessAt,
  idle: true,
  segments: segs,
  viewerPositions: [],
});

describe('planDiskReclaim', () => {
  it('does nothing under the target', () => {
    const plan = planDiskReclaim([watched('a', [19])], 2000, 5);
    expect(plan).toEqual({ deleteSegments: new Map(), evictSessions: [], bytesAfter: 2000 });
  });

  it('deletes segments far behind the viewer, furthest first, and keeps the seek-back window', () => {
    // Viewer at 19, keep 5 behind: 0..13 may go; 300 bytes over the target → 0, 1, 2.
    const plan = planDiskReclaim([watched('a', [19])], 1700, 5);
    expect(plan.deleteSegments.get('a')).toEqual([0, 1, 2]);
    expect(plan.evictSessions).toEqual([]);
    expect(plan.bytesAfter).toBe(1700);
  });

  it('goes into the seek-back window only once everything further is gone, and never to the viewer itself', () => {
    const plan = planDiskReclaim([watched('a', [19])], 0, 5, { keepAheadSegments: 10, toTheViewers: true });
    // First the 14 far behind, then the window from its far end; 18 (just behind) and 19 stay.
    expect(plan.deleteSegments.get('a')).toEqual([...Array.from({ length: 14 }, (_, i) => i), 14, 15, 16, 17]);
    expect(plan.bytesAfter).toBe(200);
  });

  it('measures "behind" from the viewer furthest back: segments between two viewers go last', () => {
    // Viewers at 8 and 19: what is more than 5 behind 8 (0, 1, 2) goes first.
    const plan = planDiskReclaim([watched('a', [19, 8])], 1700, 5, { keepAheadSegments: 10 });
    expect(plan.deleteSegments.get('a')).toEqual([0, 1, 2]);
  });

  it('keeps the lookahead ahead of a viewer longer than anything beyond it', () => {
    const plan = planDiskReclaim([watched('a', [2], segments(0, 40))], 3500, 1, { keepAheadSegments: 10 });
    // 5 segments over: the five furthest ahead of the viewer, not the ones it is about to play.
    expect(plan.deleteSegments.get('a')).toEqual([0, 39, 38, 37, 36]);
  });

  it('then evicts idle sessions, the longest unrequested first, and never a watched one', () => {
    const plan = planDiskReclaim([watched('w', [3]), idle('new', 5000), idle('old', 1000), idle('mid', 3000)], 2500, 5);
    expect(plan.deleteSegments.size).toBe(0);
    // 2000 (watched) + 3 × 1000 (idle) = 5000; down to 2500 takes old, mid and new.
    expect(plan.evictSessions).toEqual(['old', 'mid', 'new']);
    expect(plan.bytesAfter).toBe(2000);
  });

  it('prefers deleting far-behind segments to evicting an idle session', () => {
    const plan = planDiskReclaim([watched('w', [19]), idle('i', 1000)], 2500, 5);
    expect(plan.deleteSegments.get('w')).toHaveLength(5);
    expect(plan.evictSessions).toEqual([]);
  });

  it('evicts only as many idle sessions as it takes', () => {
    const plan = planDiskReclaim([idle('a', 1), idle('b', 2), idle('c', 3)], 2000, 5);
    expect(plan.evictSessions).toEqual(['a']);
  });
});

describe('viewerPositionsFrom', () => {
  it.each([
    ['nothing asked', [], []],
    ['one viewer with its trail', [10, 11, 12, 13, 14], [14]],
    ['one viewer, out of order and repeated', [14, 12, 13, 14, 11], [14]],
    ['two viewers far apart', [3, 4, 5, 80, 81, 82], [5, 82]],
    ['two viewers closer than the gap count as one (the window covers both)', [3, 4, 5, 20, 21], [21]],
    ['a single request', [7], [7]],
  ])('%s', (_name, requested, expected) => {
    expect(viewerPositionsFrom(requested, 30)).toEqual(expected);
  });
});

describe('planDiskReclaim as a ceiling', () => {
  it('deletes segments far ahead of a viewer parked at the start when a seek elsewhere fills the budget', () => {
    // A viewer at 0 and one at 200; segments 0..39 were made ahead of the first, 200..209 around the second.
    const session = watched('a', [0, 200], [...segments(0, 40), ...segments(200, 10)]);
    const plan = planDiskReclaim([session], 2000, 5, { keepAheadSegments: 10, toTheViewers: true });
    // Nothing is behind the viewer at 0: the ones more than 10 ahead of a viewer go, furthest first.
    const deleted = plan.deleteSegments.get('a')!;
    expect(deleted.slice(0, 29)).toEqual(Array.from({ length: 29 }, (_, i) => 39 - i));
    expect(deleted.some((index) => index >= 200 && index <= 201)).toBe(false);
    expect(plan.bytesAfter).toBeLessThanOrEqual(2000);
  });

  it('holds the ceiling with everything but the segments at each viewer when it must', () => {
    const plan = planDiskReclaim([watched('a', [0, 10], segments(0, 20))], 800, 5, { keepAheadSegments: 10, toTheViewers: true });
    expect(plan.bytesAfter).toBeLessThanOrEqual(800);
    const kept = segments(0, 20)
      .map((s) => s.index)
      .filter((i) => !plan.deleteSegments.get('a')!.includes(i));
    expect(kept).toEqual(expect.arrayContaining([0, 1, 9, 10, 11]));
  });

  it('never deletes the segment a viewer is at or the next one, even over the ceiling', () => {
    const plan = planDiskReclaim([watched('a', [5], segments(4, 4))], 0, 5, { keepAheadSegments: 10, toTheViewers: true });
    expect(plan.deleteSegments.get('a')).toEqual([7]);
    expect(plan.bytesAfter).toBe(300);
  });
});

describe('checkReservation', () => {
  const MiB = 1024 * 1024;
  const base: ReservationCheck = {
    usedBytes: 10 * MiB,
    requestBytes: 20 * MiB,
    limitBytes: 90 * MiB,
    freeBytes: 1000 * MiB,
    outstandingBytes: 0,
    minFreeBytes: 256 * MiB,
  };
  it.each<[string, Partial<ReservationCheck>, string]>([
    ['fits within the limit and above the floor', {}, 'fits'],
    ['fits exactly at the limit', { requestBytes: 80 * MiB }, 'fits'],
    ['refused past the limit', { requestBytes: 80 * MiB + 1 }, 'budget'],
    ['refused when what is counted already fills the limit', { usedBytes: 85 * MiB }, 'budget'],
    ['no budget: only the floor', { limitBytes: null, requestBytes: 700 * MiB }, 'fits'],
    ['refused when it would leave less than the floor free', { limitBytes: null, requestBytes: 745 * MiB }, 'free-space'],
    ['room other reservations have not written yet is not free', { outstandingBytes: 730 * MiB }, 'free-space'],
    ['free space unknown: only the limit', { freeBytes: null }, 'fits'],
  ])('%s', (_name, fields, expected) => {
    const verdict = checkReservation({ ...base, ...fields });
    expect(verdict.fits ? 'fits' : verdict.reason).toBe(expected);
  });
});
