import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { Clock } from '../clock';
import { sessionLog } from '../model/session-log';
import { findStaleSessions } from '../policy/stale-sessions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { SessionTable } from './session-table';

/** Every 10 s, stops and deletes sessions nobody has requested for TRANSCODE_TTL_SECONDS. */
@Injectable()
export class StaleSessionCleanupJob {
  private readonly logger = new Logger(StaleSessionCleanupJob.name);

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly table: SessionTable,
    private readonly clock: Clock,
  ) {}

  @Cron(CronExpression.EVERY_10_SECONDS, { name: 'transcode-stale-session-cleanup' })
  async run(): Promise<void> {
    try {
      await this.removeStaleSessions();
    } catch (error) {
      this.logger.error(`stale-session cleanup failed: ${(error as Error).message}`);
    }
  }

  /** Stops and deletes every session idle for longer than the TTL; returns how many. */
  async removeStaleSessions(): Promise<number> {
    const ttlMs = this.options.ttlSeconds * 1000;
    let removed = 0;
    for (const session of findStaleSessions(this.table.sessions(), this.clock.now(), ttlMs)) {
      // Stops take a moment each: one requested meanwhile is no longer stale.
      if (this.clock.now() - session.lastAccessAt <= ttlMs || session.hasWaiters) continue;
      this.logger.log(sessionLog(session, 'idle past the TTL: removing'));
      await this.table.stop(session, 'stale');
      removed += 1;
    }
    return removed;
  }
}
