import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { SESSION_ENGINE, SessionEngine, TranscodeEvents } from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { SESSION_REGISTRY, SessionRegistry } from './session-registry';

/**
 * Every 10 s on every node: records of sessions whose node died and that nobody asked for within
 * the TTL are removed. Each node's own sessions (and their files) are removed by its own
 * stale-session cleanup; a dead node's records are removed here, each exactly once (the
 * registry's removal is atomic, and only the node whose removal took effect counts it).
 */
@Injectable()
export class StaleRecordCleanupJob {
  private readonly logger = new Logger(StaleRecordCleanupJob.name);

  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions,
    @Inject(SESSION_REGISTRY) private readonly registry: SessionRegistry,
    private readonly events: TranscodeEvents,
    @Inject(SESSION_ENGINE) private readonly engine: SessionEngine,
  ) {}

  @Cron(CronExpression.EVERY_10_SECONDS, { name: 'cluster-stale-record-cleanup' })
  async run(now = Date.now()): Promise<number> {
    if (!this.registry.shared) return 0;
    let removed = 0;
    try {
      const cutoff = now - this.options.sessionTtlSeconds * 1000;
      for (const record of await this.registry.list()) {
        if (record.lastAccessAt >= cutoff) continue;
        // This node's own record of a session it no longer runs (it restarted): nobody else removes it.
        if (record.owner === this.options.nodeId) {
          if (!this.engine.localSession(record.id) && (await this.registry.release(record.id, record.owner))) {
            removed += 1;
            this.events.publish({ type: 'session-removed', sessionId: record.id, reason: 'stale' });
          }
          continue;
        }
        if (await this.registry.removeIfStale(record.id, cutoff)) {
          removed += 1;
          this.logger.log(`removed the record of session ${record.id}: node ${record.owner} is gone and nobody watched it`);
          this.events.publish({ type: 'session-removed', sessionId: record.id, reason: 'stale' });
        }
      }
    } catch (error) {
      this.logger.warn(`stale record cleanup failed: ${(error as Error).message}`);
    }
    return removed;
  }
}
