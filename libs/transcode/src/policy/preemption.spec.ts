import { FairShare, SlotHolderView, chooseRunToPreempt } from './preemption';

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

  // Four slots, two a user (MAX_USER_SHARE 0.5).
  const share = (requester: string | undefined, promised: (string | undefined)[] = []): FairShare => ({ requester, slots: 2, promised });
  const a = (key: string, fields: Partial<SlotHolderView> = {}) => holder(key, { owner: 'user:a', needed: true, ...fields });
  const b = (key: string, fields: Partial<SlotHolderView> = {}) => holder(key, { owner: 'user:b', needed: true, ...fields });

  it.each<[string, SlotHolderView[], FairShare, string | null]>([
    ['a user under their share takes a needed run of the user over theirs', [a('a1'), a('a2'), a('a3'), a('a4')], share('user:b'), 'a1'],
    ['…the one furthest ahead of its viewer', [a('a1'), a('a2', { aheadSegments: 2 }), a('a3'), a('a4')], share('user:b'), 'a2'],
    ['…else the one wanted longest ago', [a('a1'), a('a2'), a('a3', { wantedAt: 90_000 }), a('a4')], share('user:b'), 'a3'],
    ['…and a newcomer too', [a('a1'), a('a2'), a('a3'), b('b1')], share('user:c'), 'a1'],
    ['a user over their share takes nothing someone needs', [a('a1'), a('a2'), b('b1'), b('b2')], share('user:a'), null],
    ['a user at their share takes nothing someone needs', [a('a1'), a('a2'), a('a3'), b('b1'), b('b2')], share('user:b'), null],
    ['a user counts the slots promised to them: at their share, nothing needed', [a('a1'), a('a2'), a('a3'), b('b1')], share('user:b', ['user:b']), null],
    ['nobody is over their share: a newcomer takes nothing needed', [a('a1'), a('a2'), b('b1'), b('b2')], share('user:c'), null],
    ['a request of nobody known takes nothing needed', [a('a1'), a('a2'), a('a3'), a('a4')], share(undefined), null],
    [
      'a run of nobody known is never taken while needed',
      [holder('x1', { needed: true }), holder('x2', { needed: true }), holder('x3', { needed: true })],
      share('user:b'),
      null,
    ],
    [
      'the largest holder’s unneeded run first, even before a smaller holder’s paused one',
      [a('a1'), a('a2'), a('a3', { needed: false, aheadSegments: 5 }), b('b1', { needed: false, paused: true })],
      share('user:c'),
      'a3',
    ],
    [
      'an unneeded run before a needed one of a user over their share',
      [a('a1'), a('a2'), a('a3'), b('b1', { needed: false, paused: true })],
      share('user:b'),
      'b1',
    ],
    [
      'a user over their share does not take the unneeded run of a user who holds fewer',
      [a('a1'), a('a2'), a('a3'), b('b1', { needed: false, aheadSegments: 5 })],
      share('user:a'),
      null,
    ],
    [
      'a user over their share takes their own paused run first',
      [a('a1', { needed: false, paused: true }), a('a2'), a('a3'), b('b1', { needed: false, aheadSegments: 5 })],
      share('user:a'),
      'a1',
    ],
    [
      'a user at their share may take from a user who holds as many',
      [a('a1'), a('a2'), b('b1'), b('b2', { needed: false, paused: true })],
      share('user:a'),
      'b2',
    ],
    ['an idle run, anyone’s, even a user’s who holds fewer', [a('a1'), a('a2'), a('a3'), b('b1', { needed: false, wantedAt: 10_000 })], share('user:a'), 'b1'],
    [
      'an idle run, anyone’s, before the largest holder’s',
      [a('a1', { needed: false, paused: true }), a('a2'), a('a3'), b('b1', { needed: false, wantedAt: 10_000 })],
      share('user:c'),
      'b1',
    ],
  ])('%s', (_name, holders, fairShare, expected) => {
    expect(chooseRunToPreempt(holders, 100_000, 10_000, fairShare)?.key ?? null).toBe(expected);
  });
});
