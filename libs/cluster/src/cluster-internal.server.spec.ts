import type { HttpAdapterHost } from '@nestjs/core';
import { createServer } from 'node:http';
import { applyServerLimits } from '@app/common';
import { freePort } from '../../../test/support/net';
import { itKeepsThePublicServerLimits } from '../../../test/support/raw-connection';
import { ClusterInternalServer } from './cluster-internal.server';
import { ClusterModuleOptions } from './cluster.module-definition';

describe('ClusterInternalServer', () => {
  let internal: ClusterInternalServer;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // The app's public server, with the limits configureApp gives it.
    const publicServer = createServer();
    applyServerLimits(publicServer, { idleTimeoutMs: 60_000, headersTimeoutMs: 1000, maxConnections: 1 });
    const adapterHost = {
      httpAdapter: {
        getInstance: () => (_request: unknown, response: { end(text: string): void }) => response.end('routed'),
        getHttpServer: () => publicServer,
      },
    } as unknown as HttpAdapterHost;
    internal = new ClusterInternalServer({ clusterKey: 'key', nodeUrl: `http://127.0.0.1:${port}` } as ClusterModuleOptions, adapterHost);
    await internal.onApplicationBootstrap();
  });

  afterAll(async () => internal.beforeApplicationShutdown());

  itKeepsThePublicServerLimits(() => port, '/internal/cluster/x', 'routed');
});
