import { LeastRecentlyUsedMap } from './least-recently-used.map';

/** `get x` reads x; any other step writes it. */
function after(capacity: number, steps: string[]): string[] {
  const map = new LeastRecentlyUsedMap<string, number>(capacity);
  steps.forEach((step, i) => (step.startsWith('get ') ? map.get(step.slice(4)) : map.set(step, i)));
  return map.keys();
}

describe('LeastRecentlyUsedMap', () => {
  it.each<[string, string[], string[]]>([
    ['keeps every entry up to its capacity', ['a', 'b', 'c'], ['a', 'b', 'c']],
    ['when full, lets go of the least recently used entry only', ['a', 'b', 'c', 'd'], ['b', 'c', 'd']],
    ['an entry read since keeps its place: the least recent one goes instead', ['a', 'b', 'c', 'get a', 'd'], ['c', 'a', 'd']],
    ['an entry written again keeps its place too', ['a', 'b', 'c', 'a', 'd'], ['c', 'a', 'd']],
    ['a read of a key it does not hold changes nothing', ['a', 'b', 'c', 'get z', 'd'], ['b', 'c', 'd']],
    ['a long scan of new keys never empties it: the latest ones stay, one out for each in', 'abcdefghij'.split(''), ['h', 'i', 'j']],
    ['an entry read all along a long scan outlives it', ['a', ...'bcdefghij'.split('').flatMap((key) => ['get a', key])], ['i', 'a', 'j']],
  ])('%s', (_case, steps, kept) => {
    expect(after(3, steps)).toEqual(kept);
  });

  it('answers the value it keeps, and nothing for the one it let go', () => {
    const map = new LeastRecentlyUsedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([1, undefined, 3, 2]);
  });
});
