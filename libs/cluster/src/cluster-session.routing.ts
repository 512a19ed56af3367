import { HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import {
  RoutedSession,
  RoutedSessionSummary,
  SessionFilesStore,
  SessionNotFoundException,
  SessionRouting,
  StreamFile,
  TooManyTranscodesException,
  TranscodeEvents,
  TranscodeSessionService,
  routed,
  serveLocalFile,
  summarize,
  transcodeSessionId,
} from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { PeerNodeClient, PeerUnreachableError } from './peer-node.client';
import { placementOrder } from './placement';
import { SESSION_REGISTRY, SessionRecord, SessionRegistry } from './session-registry';

/** Rounds of "look up, then place or take over" before giving up on a session that keeps moving. */
const MAX_ROUTING_ROUNDS = 4;

/** The registry cannot be read (Redis down) and the session is not on this node. */
class RegistryUnavailableException extends HttpException {
  constructor(reason: string) {
    super({ success: false, message: `The cluster registry is unavailable (${reason}); retry shortly` }, HttpStatus.SERVICE_UNAVAILABLE);
  }
}

/**
 * Routes the API's session requests across the cluster. A session runs on one node (its owner,
 * in the registry); any node answers for it: its own sessions from its engine, others' by
 * proxying to their owner, and a dead owner's by taking the session over (the engine restarts
 * ffmpeg at the segment asked for). A new session goes to this node, or, when it is full, to
 * the node with the most free encoder slots; 429 only when every node is full. With the
 * in-memory registry (one node) every session is local: the engine answers as it always has.
 */
@Injectable()
export class ClusterSessionRouting implements SessionRouting {
  private readonly logger = new Logger(ClusterSessionRouting.name);

  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions,
    @Inject(SESSION_REGISTRY) private readonly registry: SessionRegistry,
    private readonly engine: TranscodeSessionService,
    private readonly files: SessionFilesStore,
    private readonly peers: PeerNodeClient,
    private readonly events: TranscodeEvents,
  ) {}

  private get self(): string {
    return this.options.nodeId;
  }

  async open(camera: string, start: number, end: number, requester?: string): Promise<RoutedSession> {
    if (!this.registry.shared) return routed(await this.engine.open(camera, start, end, requester));
    this.engine.assertRange(start, end);
    const id = transcodeSessionId(camera, start, end);
    for (let round = 0; round < MAX_ROUTING_ROUNDS; round += 1) {
      if (this.engine.localSession(id)) return routed(await this.engine.open(camera, start, end, requester));
      const record = await this.read(id);
      if (!record) {
        // Without the registry this node still serves what it can itself.
        return routed(await this.engine.open(camera, start, end, requester));
      }
      const current = record.value;
      if (current && current.owner !== this.self && (await this.registry.isAlive(current.owner))) {
        const owner = await this.nodeUrl(current.owner);
        if (owner) {
          try {
            const joined = await this.peers.open(owner, camera, start, end, requester);
            this.events.publish({ type: 'request-proxied', sessionId: id });
            return joined;
          } catch (error) {
            if (!(error instanceof PeerUnreachableError)) throw error;
            this.logger.warn(`node ${current.owner} does not answer (${error.message}): placing session ${id} again`);
            const placed = await this.place(id, camera, start, end, requester, current.owner);
            if (placed) return placed;
            continue;
          }
        }
      }
      const placed = await this.place(id, camera, start, end, requester, current?.owner);
      if (placed) return placed;
    }
    throw new TooManyTranscodesException(this.options.capacity);
  }

  /**
   * Claims the session for the first node with room and starts it there. Null when another node
   * claimed it meanwhile (the caller looks again); 429 when every node is full.
   */
  private async place(
    id: string,
    camera: string,
    start: number,
    end: number,
    requester: string | undefined,
    deadOwner?: string,
  ): Promise<RoutedSession | null> {
    const candidates = placementOrder(this.self, await this.registry.liveNodes());
    for (const node of candidates) {
      const claim = await this.registry.claim(
        { id, owner: node.id, camera, start, end, durationSeconds: 0, state: 'starting', lastAccessAt: Date.now() },
        deadOwner,
      );
      if (!claim.claimed) return null;
      try {
        if (node.id === this.self) {
          if (!(await this.registry.acquireSlot(this.self, id, this.options.capacity))) throw new TooManyTranscodesException(this.options.capacity);
          return routed(await this.engine.open(camera, start, end, requester));
        }
        return await this.peers.open(node.url, camera, start, end, requester);
      } catch (error) {
        await this.registry.release(id, node.id).catch(() => undefined);
        if (node.id === this.self) await this.registry.releaseSlot(this.self, id).catch(() => undefined);
        // That node is full (or gone): the next one may have room.
        if (isTooMany(error) || error instanceof PeerUnreachableError) continue;
        throw error;
      }
    }
    throw new TooManyTranscodesException(this.options.capacity);
  }

  async describe(sessionId: string): Promise<RoutedSession | null> {
    const local = this.engine.localSession(sessionId);
    if (local) return routed(local);
    if (!this.registry.shared) return null;
    const record = await this.registry.get(sessionId).catch(() => null);
    return record ? { sessionId, camera: record.camera, durationSeconds: record.durationSeconds } : null;
  }

  async streamFile(sessionId: string, fileName: string, segmentQuery?: string): Promise<StreamFile> {
    if (this.engine.localSession(sessionId) || !this.registry.shared) {
      return serveLocalFile(this.engine, this.files, sessionId, fileName, segmentQuery);
    }
    for (let round = 0; round < MAX_ROUTING_ROUNDS; round += 1) {
      const read = await this.read(sessionId);
      if (!read) throw new RegistryUnavailableException('it cannot be read');
      const record = read.value;
      if (!record) throw new SessionNotFoundException();
      if (record.owner === this.self) return this.adoptAndServe(record, fileName, segmentQuery);
      const owner = (await this.registry.isAlive(record.owner)) ? await this.nodeUrl(record.owner) : null;
      if (owner) {
        try {
          const file = await this.peers.streamFile(owner, sessionId, fileName, segmentQuery);
          this.events.publish({ type: 'request-proxied', sessionId });
          return file;
        } catch (error) {
          if (!(error instanceof PeerUnreachableError)) throw error;
          this.logger.warn(`node ${record.owner} does not answer (${error.message}): taking session ${sessionId} over`);
          if (await this.takeOver(record, record.owner)) return this.adoptAndServe(record, fileName, segmentQuery);
          continue;
        }
      }
      if (await this.takeOver(record)) return this.adoptAndServe(record, fileName, segmentQuery);
    }
    throw new RegistryUnavailableException('the session keeps changing node');
  }

  async remove(sessionId: string): Promise<void> {
    if (this.engine.localSession(sessionId) || !this.registry.shared) return this.engine.remove(sessionId);
    const record = await this.registry.get(sessionId);
    if (!record) throw new SessionNotFoundException();
    const owner = (await this.registry.isAlive(record.owner)) ? await this.nodeUrl(record.owner) : null;
    if (owner) {
      try {
        return await this.peers.remove(owner, sessionId);
      } catch (error) {
        if (!(error instanceof PeerUnreachableError)) throw error;
      }
    }
    // Its node is gone: only the record is left to remove.
    await this.registry.release(sessionId, record.owner);
  }

  async list(): Promise<RoutedSessionSummary[]> {
    const own = this.engine.list().map((session) => ({ ...summarize(session), node: this.self }));
    if (!this.registry.shared) return own;
    const others = await Promise.all(
      (await this.registry.liveNodes())
        .filter((node) => node.id !== this.self)
        .map(async (node) => (await this.peers.list(node.url).catch(() => [])).map((summary) => ({ ...summary, node: node.id }))),
    );
    return [...own, ...others.flat()];
  }

  /** Claims a session whose owner is dead (or, `unreachable`, does not answer); true when this node won. */
  private async takeOver(record: SessionRecord, unreachable?: string): Promise<boolean> {
    const { claimed } = await this.registry.claim({ ...record, owner: this.self, lastAccessAt: Date.now() }, unreachable);
    if (claimed) {
      this.logger.warn(`took session ${record.id} (${record.camera}) over from node ${record.owner}`);
      this.events.publish({ type: 'session-taken-over', sessionId: record.id });
    }
    return claimed;
  }

  /** Starts a session here that another node ran, and serves the file asked for (ffmpeg starts at it). */
  private async adoptAndServe(record: SessionRecord, fileName: string, segmentQuery?: string): Promise<StreamFile> {
    await this.engine.adopt(record.camera, record.start, record.end);
    return serveLocalFile(this.engine, this.files, record.id, fileName, segmentQuery);
  }

  /** The registry's record of a session; null (not `{ value: null }`) when the registry cannot be read. */
  private async read(sessionId: string): Promise<{ value: SessionRecord | null } | null> {
    try {
      return { value: await this.registry.get(sessionId) };
    } catch (error) {
      this.logger.warn(`registry read failed: ${(error as Error).message}`);
      return null;
    }
  }

  private async nodeUrl(nodeId: string): Promise<string | null> {
    return (await this.registry.liveNodes()).find((node) => node.id === nodeId)?.url ?? null;
  }
}

/** The node had no free encoder slot (not: this user started too many sessions, which no other node changes). */
function isTooMany(error: unknown): boolean {
  return (
    error instanceof HttpException &&
    error.getStatus() === HttpStatus.TOO_MANY_REQUESTS &&
    /concurrent transcodes/.test(JSON.stringify(error.getResponse()))
  );
}
