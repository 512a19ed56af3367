import { fairShareSlots, holdingsOf, mayTakeEncoderSlot } from './fair-share';

describe('fairShareSlots', () => {
  it.each([
    [8, 0.5, 4],
    [2, 0.5, 1],
    [3, 0.5, 1],
    [1, 0.5, 1],
    [10, 0.3, 3],
    [16, 1, 16],
    [4, 0.01, 1],
  ])('%p slots at a share of %p: %p', (capacity, share, expected) => {
    expect(fairShareSlots(capacity, share)).toBe(expected);
  });
});

describe('holdingsOf', () => {
  it('counts each owner’s slots and leaves out those of nobody known', () => {
    expect(holdingsOf(['a', 'b', 'a', undefined])).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
  });
});

describe('mayTakeEncoderSlot', () => {
  // Four encoder slots, two a user.
  it.each<[string, (string | undefined)[], string | undefined, boolean]>([
    ['a free slot is anyone’s, even a user over their share (one user alone uses them all)', ['a', 'a', 'a'], 'a', true],
    ['a free slot goes to a request of nobody known', ['a', 'b'], undefined, true],
    ['none free: the user who holds them all waits', ['a', 'a', 'a', 'a'], 'a', false],
    ['none free: a user with none gets one while another holds more than their share', ['a', 'a', 'a', 'a'], 'b', true],
    ['none free: a user under their share gets one while another is over theirs', ['a', 'a', 'a', 'b'], 'b', true],
    ['none free: a user at their share waits', ['a', 'a', 'b', 'b'], 'b', false],
    ['none free: nobody over their share, so a newcomer waits', ['a', 'a', 'b', 'b'], 'c', false],
    ['none free: a newcomer gets one while one user is over their share beside another under it', ['a', 'a', 'a', 'b'], 'c', true],
    ['none free: sessions of nobody known count in full', [undefined, undefined, undefined, 'a'], 'b', false],
    ['none free: a request of nobody known waits', ['a', 'a', 'a', 'a'], undefined, false],
    ['over capacity already (under-share users let in): a third user waits once every counted share is full', ['a', 'a', 'a', 'a', 'b', 'b'], 'c', false],
    ['over capacity already: a user under their share still gets one while the counted shares leave room', ['a', 'a', 'a', 'a', 'b'], 'b', true],
  ])('%s', (_name, holders, requester, expected) => {
    expect(mayTakeEncoderSlot(holders, requester, 4, 2)).toBe(expected);
  });
});
