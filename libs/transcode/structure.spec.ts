import { importCircles, importDepth } from '../../scripts/lib/source-structure';

/** An import graph from `a>b,c` entries (a imports b and c). */
const graph = (...entries: string[]) =>
  new Map(
    entries.map((entry) => {
      const [file, targets = ''] = entry.split('>');
      return [file, targets ? targets.split(',') : []];
    }),
  );

describe('the structure tools (scripts/lib/source-structure.ts)', () => {
  it.each<[string, Map<string, string[]>, string[][]]>([
    ['no circle in a chain', graph('a>b', 'b>c', 'c'), []],
    ['a circle of two', graph('a>b', 'b>a'), [['a', 'b']]],
    ['a circle of three behind a file that imports it', graph('x>a', 'a>b', 'b>c', 'c>a'), [['a', 'b', 'c']]],
    ['a file that imports itself', graph('a>a,b', 'b'), [['a']]],
    ['two files importing a third (a diamond, no circle)', graph('a>b,c', 'b>d', 'c>d', 'd'), []],
  ])('finds the import circles: %s', (_name, imports, circles) => {
    expect(importCircles(imports)).toEqual(circles);
  });

  it.each<[string, Map<string, string[]>, number]>([
    ['one file', graph('a'), 1],
    ['a chain of three', graph('a>b', 'b>c', 'c'), 3],
    ['the longest of two branches', graph('a>b,c', 'b', 'c>d', 'd>e', 'e'), 4],
    ['a circle counts as one floor', graph('a>b', 'b>c', 'c>b,d', 'd'), 3],
  ])('measures how many floors deep the imports go: %s', (_name, imports, depth) => {
    expect(importDepth(imports).depth).toBe(depth);
  });
});
