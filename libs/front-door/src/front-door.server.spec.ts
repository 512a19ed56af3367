import type { HttpAdapterHost } from '@nestjs/core';
import { createServer } from 'node:http';
import { applyServerLimits } from '@app/common';
import { TranscodeEvents } from '@app/transcode';
import { freePort } from '../../../test/support/net';
import { itKeepsThePublicServerLimits } from '../../../test/support/raw-connection';
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
    door = new FrontDoorServer(
      { port, frigateUrl: 'http://frigate:8971', authCacheSeconds: 5 },
      {} as VodRequestHandler,
      frigate,
      adapterHost,
      new TranscodeEvents(),
    );
    await door.onApplicationBootstrap();
  });

  afterAll(async () => door.beforeApplicationShutdown());

  itKeepsThePublicServerLimits(() => port, '/api/config', 'frigate');
});
