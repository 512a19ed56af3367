import { TranscodeEvent, TranscodeEvents, SessionEngine } from '@app/transcode';
import { ClusterModuleOptions } from './cluster.module-definition';
import { SessionRecord, SessionRegistry } from './session-registry';
import { StaleRecordCleanupJob } from './stale-record-cleanup.job';

const NOW = 10_000_000;
const options = { nodeId: 'me', sessionTtlSeconds: 600 } as ClusterModuleOptions;
const record = (id: string, owner: string, lastAccessAt: number): SessionRecord => ({
  id,
  owner,
  camera: 'front',
  start: 0,
  end: 60,
  durationSeconds: 60,
  state: 'active',
  lastAccessAt,
});

describe('StaleRecordCleanupJob', () => {
  function run(records: SessionRecord[], removable: Set<string>, shared = true, running = new Set<string>()) {
    const tried: string[] = [];
    const registry = {
      shared,
      list: async () => records,
      release: async (id: string, owner: string) => {
        tried.push(`release ${id} of ${owner}`);
        return true;
      },
      removeIfStale: async (id: string, cutoff: number) => {
        tried.push(id);
        expect(cutoff).toBe(NOW - 600_000);
        return removable.has(id);
      },
    } as unknown as SessionRegistry;
    const events = new TranscodeEvents();
    const seen: TranscodeEvent[] = [];
    events.events$.subscribe((event) => seen.push(event));
    const engine = { localSession: (id: string) => (running.has(id) ? {} : undefined) } as unknown as SessionEngine;
    return new StaleRecordCleanupJob(options, registry, events, engine).run(NOW).then((removed) => ({ removed, tried, seen }));
  }

  it('tries only other nodes’ records idle past the TTL, and counts only the removals it won', async () => {
    const { removed, tried, seen } = await run(
      [record('fresh', 'dead', NOW - 1000), record('stale-won', 'dead', NOW - 700_000), record('stale-lost', 'dead', NOW - 700_000)],
      new Set(['stale-won']),
    );
    expect(tried).toEqual(['stale-won', 'stale-lost']);
    expect(removed).toBe(1);
    expect(seen).toEqual([{ type: 'session-removed', sessionId: 'stale-won', reason: 'stale' }]);
  });

  it('releases this node’s own stale records of sessions it no longer runs (it restarted), never of ones it runs', async () => {
    const { removed, tried } = await run([record('lost', 'me', 0), record('running', 'me', 0)], new Set(), true, new Set(['running']));
    expect(tried).toEqual(['release lost of me']);
    expect(removed).toBe(1);
  });

  it('does nothing with the in-memory registry (one node cleans its own sessions)', async () => {
    const { removed, tried } = await run([record('x', 'dead', 0)], new Set(['x']), false);
    expect([removed, tried]).toEqual([0, []]);
  });
});
