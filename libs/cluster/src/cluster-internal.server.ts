import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Server, createServer } from 'node:http';
import { applyServerLimits, closeHttpServer, sendJson, serverLimitsOf } from '@app/common';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { INTERNAL_PREFIX } from './peer-node.client';

/** The port the internal routes answer on: NODE_URL's (null without a cluster). */
export function internalPortOf(options: Pick<ClusterModuleOptions, 'clusterKey' | 'nodeUrl'>): number | null {
  if (!options.clusterKey || !options.nodeUrl) return null;
  const url = new URL(options.nodeUrl);
  return Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
}

/**
 * In a cluster, the routes the nodes use with each other listen on a port of their own,
 * NODE_URL's, which must differ from PORT: a proxy or a firewall rule in front of the public
 * port never exposes them. It shares the app's router; anything but /internal/ there is a 404,
 * and /internal/ on the public port is one too (ClusterKeyGuard). It has the public server's
 * limits (timeouts, connection cap): a peer, or anyone who reaches the port, holds no more.
 */
@Injectable()
export class ClusterInternalServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClusterInternalServer.name);
  private server: Server | null = null;

  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = internalPortOf(this.options);
    if (port === null) return;
    const app = this.adapterHost.httpAdapter.getInstance<(request: unknown, response: unknown) => void>();
    const server = createServer((request, response) => {
      if (!(request.url ?? '').startsWith(`/${INTERNAL_PREFIX}/`)) {
        sendJson(response, 404, { success: false, message: 'Not found' });
        return;
      }
      app(request, response);
    });
    // The app gives its public server its limits before it listens, so before this bootstrap.
    const limits = serverLimitsOf(this.adapterHost.httpAdapter.getHttpServer());
    if (limits) applyServerLimits(server, limits);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`cluster routes listening on port ${port}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await closeHttpServer(server);
  }
}
