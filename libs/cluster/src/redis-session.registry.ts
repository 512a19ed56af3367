import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { ClaimResult, NodeRecord, SessionRecord, SessionRegistry } from './session-registry';

/** Every key this service writes starts with it. */
const PREFIX = 'nvr:';
const sessionKey = (id: string) => `${PREFIX}session:${id}`;
const nodeKey = (id: string) => `${PREFIX}node:${id}`;
const slotsKey = (id: string) => `${PREFIX}node:${id}:slots`;
const NODES_KEY = `${PREFIX}nodes`;

/**
 * Claim a session: take it if nobody owns it, if its owner has no heartbeat (dead), or if its
 * owner is the one the caller could not connect to (refused). Another node's heartbeat is never
 * touched: one node's failed connection (its own network, say) must not make every node drop a
 * live owner's sessions. A claim by the owner it already has changes nothing. Returns
 * {claimed 1|0, owner, changed 1|0}.
 * KEYS[1] session key. ARGV: owner, camera, start, end, durationSeconds, lastAccessAt, unreachable, node key prefix, state, speed.
 */
const CLAIM = `
local current = redis.call('HGET', KEYS[1], 'owner')
if current == ARGV[1] then return {1, current, 0} end
if current then
  local alive = redis.call('EXISTS', ARGV[8] .. current) == 1
  if alive and current ~= ARGV[7] then return {0, current, 0} end
end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'camera', ARGV[2], 'start', ARGV[3], 'end', ARGV[4],
  'durationSeconds', ARGV[5], 'lastAccessAt', ARGV[6], 'state', ARGV[9], 'speed', ARGV[10])
return {1, ARGV[1], 1}
`;

/** Delete the record if ARGV[1] owns it. KEYS[1] session key. */
const RELEASE = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Delete the record if its owner is dead and nobody asked for it since ARGV[1]: only one caller
 * gets 1. KEYS[1] session key. ARGV: cutoff ms, node key prefix.
 */
const REMOVE_IF_STALE = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 0 end
if redis.call('EXISTS', ARGV[2] .. owner) == 1 then return 0 end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastAccessAt') or '0')
if last >= tonumber(ARGV[1]) then return 0 end
return redis.call('DEL', KEYS[1])
`;

/**
 * Write a record the caller owns (or that nobody has): a node never takes back a session that
 * another node took over while it was unreachable. Returns the owner after. KEYS[1] session key.
 * ARGV as CLAIM's first six, then state, speed.
 */
const PUBLISH = `
local current = redis.call('HGET', KEYS[1], 'owner')
if current and current ~= ARGV[1] then return current end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'camera', ARGV[2], 'start', ARGV[3], 'end', ARGV[4],
  'durationSeconds', ARGV[5], 'lastAccessAt', ARGV[6], 'state', ARGV[7], 'speed', ARGV[8])
return ARGV[1]
`;

/** Take an encoder slot if the node has one free. KEYS[1] the node's slot set. ARGV: session id, capacity. */
const ACQUIRE_SLOT = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
`;

/** ARGV[1..6] of CLAIM and PUBLISH: the record's fields in the order both scripts read them. */
function recordArgv(record: SessionRecord): string[] {
  return [record.owner, record.camera, String(record.start), String(record.end), String(record.durationSeconds), String(record.lastAccessAt)];
}

interface ClusterCommands {
  nvrClaim(key: string, ...args: string[]): Promise<[number, string, number]>;
  nvrRelease(key: string, owner: string): Promise<number>;
  nvrPublish(key: string, ...args: string[]): Promise<string>;
  nvrRemoveIfStale(key: string, cutoff: string, prefix: string): Promise<number>;
  nvrAcquireSlot(key: string, sessionId: string, capacity: string): Promise<number>;
}

/**
 * The registry of a cluster, in Redis (ioredis). Session records are hashes; each node's
 * heartbeat is a hash with a TTL and its encoder slots a set; check-and-take steps are Lua
 * scripts, so two nodes never both win a claim or both take a node's last slot.
 */
export class RedisSessionRegistry implements SessionRegistry {
  readonly shared = true;
  private readonly logger = new Logger(RedisSessionRegistry.name);
  private readonly redis: Redis & ClusterCommands;
  private readonly sharedKeys = new Map<string, Buffer>();

  constructor(url: string) {
    const redis = new Redis(url, {
      // A command fails after a couple of reconnect attempts instead of waiting forever: a
      // request then gets an answer (its own session still plays: local sessions need no Redis).
      maxRetriesPerRequest: 2,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      lazyConnect: false,
    });
    redis.defineCommand('nvrClaim', { numberOfKeys: 1, lua: CLAIM });
    redis.defineCommand('nvrRelease', { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand('nvrPublish', { numberOfKeys: 1, lua: PUBLISH });
    redis.defineCommand('nvrRemoveIfStale', { numberOfKeys: 1, lua: REMOVE_IF_STALE });
    redis.defineCommand('nvrAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE_SLOT });
    redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    redis.on('ready', () => this.logger.log('Redis connected'));
    this.redis = redis as Redis & ClusterCommands;
  }

  async get(sessionId: string): Promise<SessionRecord | null> {
    return toRecord(sessionId, await this.redis.hgetall(sessionKey(sessionId)));
  }

  async claim(record: SessionRecord, unreachable = ''): Promise<ClaimResult> {
    const [claimed, owner, changed] = await this.redis.nvrClaim(
      sessionKey(record.id),
      ...recordArgv(record),
      unreachable,
      `${PREFIX}node:`,
      record.state,
      String(record.speed ?? 1),
    );
    if (claimed === 1 && changed === 1) return { claimed: true, changed: true, record };
    const current = (await this.get(record.id)) ?? { ...record, owner };
    return { claimed: claimed === 1, changed: false, record: current };
  }

  async publish(records: readonly SessionRecord[]): Promise<string[]> {
    if (records.length === 0) return [];
    const pipeline = this.redis.pipeline() as unknown as ClusterCommands & { exec(): Promise<[Error | null, unknown][] | null> };
    for (const record of records) {
      void pipeline.nvrPublish(sessionKey(record.id), ...recordArgv(record), record.state, String(record.speed ?? 1));
    }
    const results = (await pipeline.exec()) ?? [];
    return records.filter((record, index) => results[index]?.[1] !== undefined && results[index][1] !== record.owner).map((record) => record.id);
  }

  async release(sessionId: string, owner: string): Promise<boolean> {
    return (await this.redis.nvrRelease(sessionKey(sessionId), owner)) === 1;
  }

  async removeIfStale(sessionId: string, cutoffMs: number): Promise<boolean> {
    return (await this.redis.nvrRemoveIfStale(sessionKey(sessionId), String(cutoffMs), `${PREFIX}node:`)) === 1;
  }

  async list(): Promise<SessionRecord[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${PREFIX}session:*`, 'COUNT', 200);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(key);
    const results = (await pipeline.exec()) ?? [];
    return keys.flatMap((key, index) => {
      const record = toRecord(key.slice(`${PREFIX}session:`.length), results[index]?.[1] as Record<string, string>);
      return record ? [record] : [];
    });
  }

  async heartbeat(node: Omit<NodeRecord, 'encoding'>, ttlSeconds: number, encodingSessionIds: readonly string[]): Promise<void> {
    const transaction = this.redis.multi();
    transaction.hset(nodeKey(node.id), { url: node.url, capacity: String(node.capacity) });
    transaction.expire(nodeKey(node.id), ttlSeconds);
    transaction.sadd(NODES_KEY, node.id);
    // The slots are what the node's engine runs: rewritten from that truth on every beat.
    transaction.del(slotsKey(node.id));
    if (encodingSessionIds.length) transaction.sadd(slotsKey(node.id), ...encodingSessionIds);
    transaction.expire(slotsKey(node.id), ttlSeconds);
    await transaction.exec();
  }

  async liveNodes(): Promise<NodeRecord[]> {
    const ids = await this.redis.smembers(NODES_KEY);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(nodeKey(id)).scard(slotsKey(id));
    const results = (await pipeline.exec()) ?? [];
    const nodes: NodeRecord[] = [];
    const gone: string[] = [];
    ids.forEach((id, index) => {
      const fields = results[index * 2]?.[1] as Record<string, string> | undefined;
      if (!fields || !fields.url) {
        gone.push(id);
        return;
      }
      nodes.push({ id, url: fields.url, capacity: Number(fields.capacity) || 0, encoding: Number(results[index * 2 + 1]?.[1]) || 0 });
    });
    if (gone.length) await this.redis.srem(NODES_KEY, ...gone);
    return nodes;
  }

  async addressOf(nodeId: string): Promise<string | null> {
    // One read: the heartbeat hash exists only while the node beats.
    return (await this.redis.hget(nodeKey(nodeId), 'url')) || null;
  }

  async heartbeatLeftMs(nodeId: string): Promise<number | null> {
    const left = await this.redis.pttl(nodeKey(nodeId));
    // -2: no such key (expired); -1: no expiry, which a heartbeat never lacks, so read as alive for now.
    if (left === -2) return null;
    return left === -1 ? Number.POSITIVE_INFINITY : left;
  }

  async acquireSlot(nodeId: string, sessionId: string, capacity: number): Promise<boolean> {
    return (await this.redis.nvrAcquireSlot(slotsKey(nodeId), sessionId, String(capacity))) === 1;
  }

  async releaseSlot(nodeId: string, sessionId: string): Promise<void> {
    await this.redis.srem(slotsKey(nodeId), sessionId);
  }

  async leave(nodeId: string): Promise<void> {
    await this.redis.multi().del(nodeKey(nodeId)).del(slotsKey(nodeId)).srem(NODES_KEY, nodeId).exec();
  }

  async sharedKey(name: string): Promise<Buffer> {
    const key = `${PREFIX}key:${name}`;
    // A node that already holds the key offers that one, not a new one: asked again just after
    // Redis restarted empty, it would otherwise set a fresh key before its own 'ready' put-back.
    const offered = this.sharedKeys.get(name) ?? randomBytes(32);
    await this.redis.set(key, offered.toString('hex'), 'NX');
    const value = Buffer.from((await this.redis.get(key)) ?? '', 'hex');
    if (value.length < 32) throw new Error(`the shared key ${name} in Redis is not a key`);
    if (!this.sharedKeys.has(name)) {
      // After a Redis restart the nodes put back the key they hold, so tokens stay valid.
      this.redis.on('ready', () => void this.redis.set(key, value.toString('hex'), 'NX').catch(() => undefined));
    }
    this.sharedKeys.set(name, value);
    return value;
  }

  onReady(listener: () => void): void {
    this.redis.on('ready', listener);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function toRecord(id: string, fields: Record<string, string> | undefined): SessionRecord | null {
  if (!fields || !fields.owner) return null;
  return {
    id,
    owner: fields.owner,
    camera: fields.camera,
    start: Number(fields.start),
    end: Number(fields.end),
    speed: Number(fields.speed) || 1,
    durationSeconds: Number(fields.durationSeconds),
    state: fields.state === 'starting' ? 'starting' : 'active',
    lastAccessAt: Number(fields.lastAccessAt),
  };
}
