import type { HttpAdapterHost } from '@nestjs/core';
import { createServer } from 'node:http';
import { applyServerLimits } from '@app/common';
import { freePort } from '../../../test/support/net';
import { openRawConnection as open, within } from '../../../test/support/raw-connection';
import { ClusterInternalServer } from './cluster-internal.server';
import { ClusterModuleOptions } from './cluster.module-definition';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

  it("takes no more connections than the public server's cap: one more is closed at once, unanswered", async () => {
    const held = await open(port);
    held.socket.write('GET /internal/cluster/x HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(new Promise<void>((resolve) => held.socket.on('data', () => held.received().includes('routed') && resolve())), 2000);
    const extra = await open(port);
    extra.socket.write('GET /internal/cluster/x HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(extra.closed, 1000);
    expect(extra.received()).toBe('');
    held.socket.destroy();
    await held.closed;
  });

  it("closes a connection whose request head does not come within the public server's headers timeout (408)", async () => {
    // The last test's place frees once the server has seen that connection go: until then, a new one is refused.
    let silent = await open(port);
    for (let attempt = 0; attempt < 20 && (await Promise.race([silent.closed.then(() => true), sleep(100).then(() => false)])); attempt += 1) {
      silent = await open(port);
    }
    silent.socket.write('GET /internal/cluster/x HTTP/1.1\r\n');
    // Node's own defaults (a 60 s headers timeout, checked every 30 s) would take far longer.
    await within(silent.closed, 4000);
    expect(silent.received()).toMatch(/^HTTP\/1\.1 408/);
  });
});
