import type { HttpAdapterHost } from '@nestjs/core';
import { createServer } from 'node:http';
import { applyServerLimits } from '@app/common';
import { freePort } from '../../../test/support/net';
import { openRawConnection, within } from '../../../test/support/raw-connection';
import { FrontDoorServer } from './front-door.server';
import type { FrigateProxy } from './frigate-proxy';
import type { VodRequestHandler } from './vod-request.handler';

describe('FrontDoorServer', () => {
  let door: FrontDoorServer;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // The app's public server, with the limits configureApp gives it.
    const publicServer = createServer();
    applyServerLimits(publicServer, { idleTimeoutMs: 60_000, headersTimeoutMs: 1000, maxConnections: 1 });
    const adapterHost = { httpAdapter: { getHttpServer: () => publicServer } } as unknown as HttpAdapterHost;
    // Everything that is not /vod goes to Frigate: here, a stand-in that answers at once.
    const frigate = { web: (_request: unknown, response: { end(text: string): void }) => response.end('frigate') } as unknown as FrigateProxy;
    door = new FrontDoorServer({ port, frigateUrl: 'http://frigate:8971', authCacheSeconds: 5 }, {} as VodRequestHandler, frigate, adapterHost);
    await door.onApplicationBootstrap();
  });

  afterAll(async () => door.beforeApplicationShutdown());

  it("takes no more connections than the public server's cap: one more is closed at once, unanswered", async () => {
    const held = await openRawConnection(port);
    held.socket.write('GET /api/config HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(new Promise<void>((resolve) => held.socket.on('data', () => held.received().includes('frigate') && resolve())), 2000);
    const extra = await openRawConnection(port);
    extra.socket.write('GET /api/config HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(extra.closed, 1000);
    expect(extra.received()).toBe('');
    held.socket.destroy();
    await held.closed;
  });

  it("closes a connection whose request head does not come within the public server's headers timeout (408)", async () => {
    // The last test's place frees once the server has seen that connection go: until then, a new one is refused.
    let silent = await openRawConnection(port);
    for (
      let attempt = 0;
      attempt < 20 && (await Promise.race([silent.closed.then(() => true), new Promise((r) => setTimeout(r, 100)).then(() => false)]));
      attempt += 1
    ) {
      silent = await openRawConnection(port);
    }
    silent.socket.write('GET /api/config HTTP/1.1\r\n');
    await within(silent.closed, 4000);
    expect(silent.received()).toMatch(/^HTTP\/1\.1 408/);
  });
});
