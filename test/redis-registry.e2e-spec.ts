import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisSessionRegistry } from '../libs/cluster/src/redis-session.registry';
import { SessionRecord } from '../libs/cluster/src/session-registry';
import { RedisServer, startRedisServer } from './support/redis-server';
import { waitFor } from './support/test-app';

const record = (id: string, owner: string, lastAccessAt = Date.now()): SessionRecord => ({
  id,
  owner,
  camera: 'front',
  start: 1_700_000_000,
  end: 1_700_000_600,
  durationSeconds: 600,
  state: 'active',
  lastAccessAt,
});

/** The registry's atomic steps against a real Redis, with several clients racing as nodes do. */
describe('Redis session registry (e2e, real Redis)', () => {
  let redis: RedisServer;
  let clients: RedisSessionRegistry[];

  beforeAll(async () => {
    // The registries run outside an app (whose logs go to a file): the output is the results.
    Logger.overrideLogger(false);
    redis = await startRedisServer();
    clients = Array.from({ length: 5 }, () => new RedisSessionRegistry(redis.url));
  });

  afterAll(async () => {
    await Promise.all((clients ?? []).map((client) => client.close()));
    await redis?.stop();
  });

  it('lets exactly one of many simultaneous claims of a session win', async () => {
    await Promise.all(clients.map((client, i) => client.heartbeat({ id: `n${i}`, url: `http://n${i}`, capacity: 2 }, 30, [])));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => clients[i % 5].claim(record('s-claim', `n${i % 5}`))));
    // One owner wins (its own repeated claims succeed: claiming is idempotent for the owner);
    // every other claim fails and is told who owns it.
    const owners = new Set(results.filter((result) => result.claimed).map((result) => result.record.owner));
    expect(owners.size).toBe(1);
    const [owner] = owners;
    expect(results.filter((result) => result.claimed)).toHaveLength(10);
    // Only the first of them changed anything; a repeated claim by the owner leaves the record as it was.
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    for (const result of results) expect(result.record.owner).toBe(owner);
  });

  it('never lets two nodes take the last slot: parallel takes give exactly the capacity', async () => {
    const taken = await Promise.all(Array.from({ length: 20 }, (_, i) => clients[i % 5].acquireSlot('n-slots', `s${i}`, 3)));
    expect(taken.filter(Boolean)).toHaveLength(3);
    // A session that holds a slot keeps it when it asks again.
    const holder = `s${taken.indexOf(true)}`;
    expect(await clients[0].acquireSlot('n-slots', holder, 3)).toBe(true);
  });

  it('does not take a session from a live owner, but does from a dead or unreachable one', async () => {
    await clients[0].heartbeat({ id: 'alive', url: 'http://alive', capacity: 1 }, 30, []);
    await clients[0].claim(record('s-owned', 'alive'));
    expect((await clients[1].claim(record('s-owned', 'other'))).claimed).toBe(false);
    // The caller's connection was refused: the session is taken, but the owner's heartbeat is
    // left alone (one node's failed connection must not take a live node's other sessions away).
    expect((await clients[1].claim(record('s-owned', 'other'), 'alive')).claimed).toBe(true);
    expect(await clients[2].addressOf('alive')).toBe('http://alive');
    // No heartbeat at all: dead.
    await clients[0].claim(record('s-ghost', 'ghost'));
    expect((await clients[3].claim(record('s-ghost', 'taker'))).claimed).toBe(true);
  });

  it('gives every node the same random stream-token key, and puts it back after Redis restarts', async () => {
    const keys = await Promise.all(clients.map((client) => client.sharedKey('stream-token')));
    expect(keys[0]).toHaveLength(32);
    for (const key of keys) expect(key.equals(keys[0])).toBe(true);
    await redis.restart();
    // The clients reconnect and put back the key they hold, unasked: a token issued before still
    // verifies. (Read with a plain client, so that no registry call could be what put it back.)
    const plain = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await waitFor(async () => (await plain.get('nvr:key:stream-token').catch(() => null)) === keys[0].toString('hex'), 15_000);
    } finally {
      plain.disconnect();
    }
    // Asked again, a node that holds the key keeps it.
    expect((await clients[3].sharedKey('stream-token')).equals(keys[0])).toBe(true);
  });

  it('keeps the speed of a session (its rendition is part of its id) through claims and publishes', async () => {
    await clients[0].claim({ ...record('s-fast', 'n0'), speed: 16 });
    expect((await clients[1].get('s-fast'))!.speed).toBe(16);
    await clients[0].publish([{ ...record('s-fast', 'n0'), speed: 16 }, record('s-normal', 'n0')]);
    expect((await clients[2].get('s-fast'))!.speed).toBe(16);
    expect((await clients[2].get('s-normal'))!.speed).toBe(1);
  });

  it('lets a node publish its own sessions but never take back one another node took over', async () => {
    await clients[0].claim(record('s-moved', 'n1'));
    expect(await clients[1].publish([record('s-moved', 'n0'), record('s-new', 'n0')])).toEqual(['s-moved']);
    expect((await clients[2].get('s-moved'))!.owner).toBe('n1');
    expect((await clients[2].get('s-new'))!.owner).toBe('n0');
  });

  it('removes the stale record of a dead node exactly once, whichever nodes try', async () => {
    const old = Date.now() - 3_600_000;
    await clients[0].publish([record('s-stale', 'dead-node', old), record('s-fresh', 'dead-node')]);
    const removed = await Promise.all(clients.map((client) => client.removeIfStale('s-stale', Date.now() - 60_000)));
    expect(removed.filter(Boolean)).toHaveLength(1);
    expect(await clients[0].get('s-stale')).toBeNull();
    // Watched lately, or its node alive: kept.
    expect(await clients[1].removeIfStale('s-fresh', Date.now() - 60_000)).toBe(false);
    await clients[0].heartbeat({ id: 'live-node', url: 'http://live', capacity: 1 }, 30, []);
    await clients[0].publish([record('s-live', 'live-node', old)]);
    expect(await clients[1].removeIfStale('s-live', Date.now() - 60_000)).toBe(false);
  });

  it('forgets a node whose heartbeat stops, and lists the live ones with their slots', async () => {
    await clients[0].heartbeat({ id: 'short-lived', url: 'http://short', capacity: 4 }, 1, ['a', 'b']);
    expect((await clients[1].liveNodes()).find((node) => node.id === 'short-lived')).toEqual({
      id: 'short-lived',
      url: 'http://short',
      capacity: 4,
      encoding: 2,
    });
    await waitFor(async () => !(await clients[1].liveNodes()).some((node) => node.id === 'short-lived'), 5000, 200);
    expect(await clients[1].addressOf('short-lived')).toBeNull();
  });
});
