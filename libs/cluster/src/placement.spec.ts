import { placementOrder } from './placement';

const node = (id: string, capacity: number, encoding: number) => ({ id, url: `http://${id}`, capacity, encoding });

describe('placementOrder', () => {
  it.each([
    ['this node first when it has room', 'a', [node('b', 4, 0), node('a', 4, 3)], ['a', 'b']],
    ['then the others, the most free first', 'a', [node('a', 2, 2), node('b', 4, 3), node('c', 4, 1)], ['c', 'b']],
    ['full nodes are left out', 'a', [node('a', 1, 1), node('b', 1, 1)], []],
    ['ties in node-id order', 'x', [node('c', 2, 0), node('b', 2, 0)], ['b', 'c']],
    ['a node over its capacity (slots held by seeks) is full', 'a', [node('a', 1, 3), node('b', 1, 0)], ['b']],
    ['no node known yet', 'a', [], []],
  ])('%s', (_name, self, nodes, expected) => {
    expect(placementOrder(self, nodes).map((n) => n.id)).toEqual(expected);
  });
});
