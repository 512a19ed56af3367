import { SlotHolderView, chooseRunToPreempt } from './preemption';

const holder = (key: string, fields: Partial<SlotHolderView>): SlotHolderView => ({
  key,
  needed: false,
  paused: false,
  wantedAt: 100_000,
  aheadSegments: 0,
  ...fields,
});

describe('chooseRunToPreempt', () => {
  it.each<[string, SlotHolderView[], string | null]>([
    ['nothing to preempt when every run is needed', [holder('a', { needed: true }), holder('b', { needed: true, paused: true })], null],
    ['never a run that is encoding for a viewer who asked lately', [holder('a', { wantedAt: 99_000 })], null],
    ['an idle run', [holder('a', { needed: true }), holder('b', { wantedAt: 50_000 })], 'b'],
    ['the idle run unwanted longest', [holder('a', { wantedAt: 60_000 }), holder('b', { wantedAt: 50_000 })], 'b'],
    ['a paused run far ahead of its viewer', [holder('a', { paused: true, aheadSegments: 30 })], 'a'],
    ['the paused run furthest ahead', [holder('a', { paused: true, aheadSegments: 30 }), holder('b', { paused: true, aheadSegments: 40 })], 'b'],
    ['an idle run before a paused one', [holder('a', { paused: true, aheadSegments: 40 }), holder('b', { wantedAt: 0 })], 'b'],
    ['never a paused run someone waits for', [holder('a', { paused: true, needed: true })], null],
    ['a run encoding well ahead of its viewer, after any paused one', [holder('a', { aheadSegments: 5 }), holder('b', { paused: true })], 'b'],
    ['the run encoding furthest ahead of its viewer', [holder('a', { aheadSegments: 5 }), holder('b', { aheadSegments: 9 })], 'b'],
    ['never a run encoding just ahead of its viewer', [holder('a', { aheadSegments: 2 })], null],
  ])('%s', (_name, holders, expected) => {
    expect(chooseRunToPreempt(holders, 100_000, 10_000)?.key ?? null).toBe(expected);
  });
});
