import type { NodeRecord } from './session-registry';

/**
 * Pure: the nodes to try for a new session, in order: this node first when it has a free
 * encoder slot (no hop), then the others with free slots, the most free first. Full nodes are
 * left out: when none is left, the whole cluster is full.
 */
export function placementOrder(selfId: string, nodes: readonly NodeRecord[]): NodeRecord[] {
  const free = (node: NodeRecord) => node.capacity - node.encoding;
  const open = nodes.filter((node) => free(node) > 0);
  const self = open.filter((node) => node.id === selfId);
  const others = open.filter((node) => node.id !== selfId).sort((a, b) => free(b) - free(a) || a.id.localeCompare(b.id));
  return [...self, ...others];
}
