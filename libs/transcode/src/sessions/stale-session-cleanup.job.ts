import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { TranscodeSessionService } from './transcode-session.service';

/** Every 10 s, stops and deletes sessions nobody has requested for TRANSCODE_TTL_SECONDS. */
@Injectable()
export class StaleSessionCleanupJob {
  private readonly logger = new Logger(StaleSessionCleanupJob.name);

  constructor(private readonly sessions: TranscodeSessionService) {}

  @Cron(CronExpression.EVERY_10_SECONDS, { name: 'transcode-stale-session-cleanup' })
  async run(): Promise<void> {
    try {
      await this.sessions.removeStaleSessions();
    } catch (error) {
      this.logger.error(`stale-session cleanup failed: ${(error as Error).message}`);
    }
  }
}
