import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { serverConfig } from '../config/server.config';

/**
 * Set as shutdown begins (SIGTERM), before anything stops: /health answers 503 from then on, and
 * for SHUTDOWN_DRAIN_SECONDS the service keeps serving, so a load balancer that polls /health
 * moves new viewers elsewhere before the sessions here are stopped.
 */
@Injectable()
export class ShutdownState implements OnModuleDestroy {
  private readonly logger = new Logger(ShutdownState.name);
  private shuttingDown = false;

  constructor(@Inject(serverConfig.KEY) private readonly config: ConfigType<typeof serverConfig>) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async onModuleDestroy(): Promise<void> {
    this.shuttingDown = true;
    const seconds = this.config.shutdownDrainSeconds;
    if (seconds > 0) {
      this.logger.log(`shutting down: /health answers 503; draining for ${seconds} s`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
}
