import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { endKeepAlive } from '@app/common';
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

  constructor(
    @Inject(serverConfig.KEY) private readonly config: ConfigType<typeof serverConfig>,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

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
    // Keep-alive lasts HTTP_IDLE_TIMEOUT_SECONDS: without this, the server's close would wait it out.
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) endKeepAlive(server);
  }
}
