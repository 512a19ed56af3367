import { ConflictException, HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import {
  OpenOptions,
  RoutedSession,
  SESSION_ENGINE,
  SessionEngine,
  TooManyTranscodesException,
  TranscodeEvents,
  asPlaybackSpeed,
  routed,
  transcodeSessionId,
} from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { beatIntervalMs, lookAgainForRecordAt, ownerDeadByAt } from './ownership-deadlines';
import { ClaimResult, SESSION_REGISTRY, SessionRecord, SessionRegistry } from './session-registry';

/** 409: this node does not run that session; the caller looks it up again. */
export class NotOwnerException extends ConflictException {
  constructor(owner?: string) {
    super({ success: false, message: owner ? `Session runs on node ${owner}` : 'No such session on this node' });
  }
}

/** The registry cannot be read or written (Redis away) and the answer depends on it. */
export class RegistryUnavailableException extends HttpException {
  readonly responseHeaders = { 'Retry-After': '2' };

  constructor(reason: string) {
    super({ success: false, message: `The cluster registry is unavailable (${reason}); retry shortly` }, HttpStatus.SERVICE_UNAVAILABLE);
  }
}

export interface SessionRange {
  camera: string;
  start: number;
  end: number;
}

/**
 * The one protocol by which this node comes to run a session, whether a viewer asked it
 * (ClusterSessionRouting) or a peer placed the session here (the internal routes):
 * claim the record → take an encoder slot → start the engine's session; a step that fails gives
 * back what this call took, and nothing it did not. Taking over a dead node's session and
 * reading the registry past a restart or a broken owner are here too, each waiting for one
 * deadline rather than polling.
 */
@Injectable()
export class SessionOwnership {
  private readonly logger = new Logger(SessionOwnership.name);
  /** When the registry last (re)connected: a restarted Redis is empty until the nodes' next beat. */
  private registryReadyAt: number | null = null;

  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions,
    @Inject(SESSION_REGISTRY) private readonly registry: SessionRegistry,
    @Inject(SESSION_ENGINE) private readonly engine: SessionEngine,
    private readonly events: TranscodeEvents,
  ) {
    registry.onReady(() => (this.registryReadyAt = Date.now()));
  }

  private get self(): string {
    return this.options.nodeId;
  }

  /**
   * Starts (or joins) a session on this node. NotOwnerException (409) when a live node owns it
   * in the registry: the caller's view was out of date; 429 when this node has no free slot.
   * `unreachableOwner`: an owner the caller could not connect to, which counts as dead.
   */
  async openHere(range: SessionRange, requester?: string, options?: OpenOptions, unreachableOwner?: string): Promise<RoutedSession> {
    const speed = options?.speed ?? 1;
    const id = transcodeSessionId(range.camera, range.start, range.end, speed);
    if (this.engine.localSession(id) || this.engine.isAdmitting(id))
      return routed(await this.engine.open(range.camera, range.start, range.end, requester, options));
    const claim = await this.registryCall(() =>
      this.registry.claim(
        {
          id,
          owner: this.self,
          camera: range.camera,
          start: range.start,
          end: range.end,
          speed,
          durationSeconds: 0,
          state: 'starting',
          lastAccessAt: Date.now(),
        },
        unreachableOwner,
      ),
    );
    if (!claim.claimed) throw new NotOwnerException(claim.record.owner);
    // A new session takes one of this node's slots, atomically with any other placement.
    if (!(await this.registryCall(() => this.registry.acquireSlot(this.self, id, this.options.capacity)))) {
      if (claim.changed) await this.registry.release(id, this.self).catch(() => undefined);
      throw new TooManyTranscodesException(this.options.capacity);
    }
    try {
      return routed(await this.engine.open(range.camera, range.start, range.end, requester, options));
    } catch (error) {
      if (!this.engine.localSession(id)) {
        await this.registry.releaseSlot(this.self, id).catch(() => undefined);
        if (claim.changed) await this.registry.release(id, this.self).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Makes sure this node runs a session the registry says it owns (it was placed or taken over
   * here, or this node restarted): the engine takes it up without waiting for a segment.
   * `claimedNow`: this node's claim was made for this request, and is given back if the session
   * cannot start.
   */
  async runHere(record: SessionRecord, claimedNow: boolean): Promise<void> {
    if (this.engine.localSession(record.id)) return;
    try {
      await this.engine.adopt(record.camera, record.start, record.end, asPlaybackSpeed(record.speed));
    } catch (error) {
      if (claimedNow) await this.registry.release(record.id, this.self).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Claims a session whose owner is dead (or, `unreachable`, refuses connections): the claim
   * when this node won, null when another node did.
   */
  async takeOver(record: SessionRecord, unreachable?: string): Promise<ClaimResult | null> {
    const claim = await this.registryCall(() => this.registry.claim({ ...record, owner: this.self, lastAccessAt: Date.now() }, unreachable));
    if (!claim.claimed) return null;
    if (claim.changed) {
      this.logger.warn(`took session ${record.id} (${record.camera}) over from node ${record.owner}`);
      this.events.publish({ type: 'session-taken-over', sessionId: record.id });
    }
    return claim;
  }

  /**
   * A session's record. None just after the registry (re)connected may only mean the nodes have
   * not written theirs back yet: it is read once more when every node has beaten since.
   */
  async record(sessionId: string): Promise<SessionRecord | null> {
    const record = await this.registryCall(() => this.registry.get(sessionId));
    if (record) return record;
    const lookAgainAt = lookAgainForRecordAt(this.registryReadyAt, Date.now(), beatIntervalMs(this.options.nodeTimeoutSeconds));
    if (lookAgainAt === null) return null;
    await sleepUntil(lookAgainAt);
    return this.registryCall(() => this.registry.get(sessionId));
  }

  /**
   * An owner that answered with a broken connection (reset, closed) is not declared dead on
   * that alone: it is if its heartbeat runs out, read once, when it would have.
   */
  async isDeadOrDies(nodeId: string): Promise<boolean> {
    const deadAt = ownerDeadByAt(Date.now(), await this.registryCall(() => this.registry.heartbeatLeftMs(nodeId)), this.options.nodeTimeoutSeconds * 1000);
    if (deadAt === null) return true;
    await sleepUntil(deadAt);
    return (await this.registryCall(() => this.registry.addressOf(nodeId))) === null;
  }

  /** A registry call whose failure (Redis away) is a 503 with Retry-After, not a 500. */
  async registryCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof HttpException) throw error;
      this.logger.warn(`registry call failed: ${(error as Error).message}`);
      throw new RegistryUnavailableException((error as Error).message);
    }
  }
}

function sleepUntil(epochMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));
}
