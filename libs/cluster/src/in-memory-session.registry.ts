import { randomBytes } from 'node:crypto';
import { ClaimResult, NodeRecord, SessionRecord, SessionRegistry } from './session-registry';

/**
 * One node, no Redis: the registry is this process's memory. Every session is this node's, the
 * node is always alive, and its slots are what its engine counts.
 */
export class InMemorySessionRegistry implements SessionRegistry {
  readonly shared = false;
  private readonly records = new Map<string, SessionRecord>();
  private readonly slots = new Map<string, Set<string>>();
  private node: NodeRecord | null = null;
  private readonly keys = new Map<string, Buffer>();

  async get(sessionId: string): Promise<SessionRecord | null> {
    return this.records.get(sessionId) ?? null;
  }

  async claim(record: SessionRecord, unreachable?: string): Promise<ClaimResult> {
    const current = this.records.get(record.id);
    if (current && current.owner !== record.owner && current.owner !== unreachable) return { claimed: false, changed: false, record: current };
    if (current && current.owner === record.owner) return { claimed: true, changed: false, record: current };
    this.records.set(record.id, record);
    return { claimed: true, changed: true, record };
  }

  async publish(records: readonly SessionRecord[]): Promise<string[]> {
    const lost: string[] = [];
    for (const record of records) {
      const current = this.records.get(record.id);
      if (current && current.owner !== record.owner) lost.push(record.id);
      else this.records.set(record.id, record);
    }
    return lost;
  }

  async release(sessionId: string, owner: string): Promise<boolean> {
    if (this.records.get(sessionId)?.owner !== owner) return false;
    this.records.delete(sessionId);
    return true;
  }

  async removeIfStale(): Promise<boolean> {
    // The only node is alive: its own cleanup removes its sessions.
    return false;
  }

  async list(): Promise<SessionRecord[]> {
    return [...this.records.values()];
  }

  async heartbeat(node: Omit<NodeRecord, 'encoding'>, _ttlSeconds: number, encodingSessionIds: readonly string[]): Promise<void> {
    this.slots.set(node.id, new Set(encodingSessionIds));
    this.node = { ...node, encoding: encodingSessionIds.length };
  }

  async liveNodes(): Promise<NodeRecord[]> {
    return this.node ? [{ ...this.node, encoding: this.slots.get(this.node.id)?.size ?? 0 }] : [];
  }

  async addressOf(nodeId: string): Promise<string | null> {
    return this.node?.id === nodeId ? this.node.url : null;
  }

  async heartbeatLeftMs(nodeId: string): Promise<number | null> {
    // The only node never misses a beat.
    return this.node?.id === nodeId ? Number.POSITIVE_INFINITY : null;
  }

  async acquireSlot(nodeId: string, sessionId: string, capacity: number): Promise<boolean> {
    const slots = this.slots.get(nodeId) ?? new Set<string>();
    this.slots.set(nodeId, slots);
    if (slots.has(sessionId)) return true;
    if (slots.size >= capacity) return false;
    slots.add(sessionId);
    return true;
  }

  async releaseSlot(nodeId: string, sessionId: string): Promise<void> {
    this.slots.get(nodeId)?.delete(sessionId);
  }

  async leave(nodeId: string): Promise<void> {
    this.slots.delete(nodeId);
    if (this.node?.id === nodeId) this.node = null;
  }

  async sharedKey(name: string): Promise<Buffer> {
    // One node: its own random key, for as long as it runs.
    let key = this.keys.get(name);
    if (!key) this.keys.set(name, (key = randomBytes(32)));
    return key;
  }

  onReady(_listener: () => void): void {
    // Memory does not restart under a running node.
  }

  async close(): Promise<void> {}
}
