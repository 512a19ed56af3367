/**
 * A map of at most `capacity` entries that, when full, lets go of the entry least recently read
 * or written, one at a time: a scan of many new keys pushes out the oldest entries, never the
 * ones still in use, and never empties the map at once. (A Map iterates in insertion order, so
 * an entry that is used moves to the back.)
 */
export class LeastRecentlyUsedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value of `key`, which becomes the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores `value` as the most recently used, letting go of the least recently used entry when full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
  }

  /** The keys, least recently used first (reading them does not count as a use). */
  keys(): K[] {
    return [...this.entries.keys()];
  }
}
