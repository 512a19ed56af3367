import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { SESSION_ENGINE, SessionEngine, TranscodeEvents } from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { beatIntervalMs } from './ownership-deadlines';
import { SESSION_REGISTRY, SessionRecord, SessionRegistry } from './session-registry';

/**
 * This node in the registry: its heartbeat (address, capacity, the encoder slots it holds), the
 * records of the sessions it runs (written again on every beat, so a Redis restart loses no
 * playing session), and the release of each session it stops. A session another node took over
 * meanwhile is stopped here: one owner per session.
 */
@Injectable()
export class ClusterNodeService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterNodeService.name);
  private timer: NodeJS.Timeout | null = null;
  private subscription: Subscription | null = null;
  private beating: Promise<void> | null = null;

  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions,
    @Inject(SESSION_REGISTRY) private readonly registry: SessionRegistry,
    @Inject(SESSION_ENGINE) private readonly engine: SessionEngine,
    private readonly events: TranscodeEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    // One node: nobody reads a heartbeat or a record; the engine is the whole truth.
    if (!this.registry.shared) return;
    this.subscription = this.events.events$.subscribe((event) => {
      if (event.type === 'session-started') {
        const session = this.engine.localSession(event.sessionId);
        if (session) void this.publish([this.recordOf(session)]);
      } else if (event.type === 'session-removed' && event.reason !== 'shutdown') {
        // Sessions stopped by a shutdown keep their records: the other nodes take them over.
        void this.registry.release(event.sessionId, this.options.nodeId).catch(() => undefined);
        void this.registry.releaseSlot(this.options.nodeId, event.sessionId).catch(() => undefined);
      }
    });
    // A Redis that restarted is empty: this node writes itself and its sessions back at once.
    this.registry.onReady(() => void this.beat());
    // The first beat before this node serves: it places new sessions on itself from the start.
    await this.beat();
    const every = beatIntervalMs(this.options.nodeTimeoutSeconds);
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
  }

  /** Before the engine stops its sessions: this node leaves, so the others take its sessions over at once. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    await this.registry.leave(this.options.nodeId).catch((error: Error) => this.logger.warn(`could not leave the cluster: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.subscription?.unsubscribe();
    await this.beating;
    await this.registry.close();
  }

  /** One heartbeat: this node is alive, holds these slots, and runs these sessions. */
  beat(): Promise<void> {
    if (this.beating) return this.beating;
    this.beating = (async () => {
      try {
        await this.registry.heartbeat(
          { id: this.options.nodeId, url: this.options.nodeUrl ?? '', capacity: this.options.capacity },
          this.options.nodeTimeoutSeconds,
          this.engine.encodingSessionIds(),
        );
        await this.publish(
          this.engine
            .list()
            .filter((session) => session.alive)
            .map((session) => this.recordOf(session)),
        );
      } catch (error) {
        this.logger.warn(`heartbeat failed: ${(error as Error).message}`);
      }
    })().finally(() => (this.beating = null));
    return this.beating;
  }

  private async publish(records: SessionRecord[]): Promise<void> {
    const lost = await this.registry.publish(records).catch((error: Error) => {
      this.logger.warn(`could not publish sessions: ${error.message}`);
      return [] as string[];
    });
    for (const id of lost) {
      this.logger.warn(`session ${id} now runs on another node: stopping it here`);
      await this.engine.remove(id).catch(() => undefined);
    }
  }

  private recordOf(session: ReturnType<SessionEngine['list']>[number]): SessionRecord {
    return {
      id: session.id,
      owner: this.options.nodeId,
      camera: session.camera,
      start: session.start,
      end: session.end,
      durationSeconds: session.outputDurationSeconds,
      speed: session.speed,
      state: session.state === 'starting' ? 'starting' : 'active',
      lastAccessAt: session.lastAccessAt,
    };
  }
}
