import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { FrigateProxy } from './frigate-proxy';
import { applyServerLimits, closeHttpServer, sendJson, serverLimitsOf } from '@app/common';
import { TranscodeEvents, publishHttpAnswer } from '@app/transcode';
import { VodRequestHandler } from './vod-request.handler';

const VOD_PREFIX = '/vod/';

/**
 * The front door's own HTTP server, on FRONT_DOOR_PORT (none: no front door): /vod/ goes to
 * the VodRequestHandler, everything else (and every WebSocket upgrade) to Frigate. A server of
 * its own, beside Nest's on PORT, so none of the service's own routes (its API, player, docs)
 * shadows one of Frigate's.
 */
@Injectable()
export class FrontDoorServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FrontDoorServer.name);
  private server: Server | null = null;
  /** Upgraded connections (Frigate's UI keeps /ws open): the server's own close never ends them. */
  private readonly upgraded = new Set<Duplex>();

  constructor(
    @Inject(FRONT_DOOR_MODULE_OPTIONS) private readonly options: FrontDoorModuleOptions,
    private readonly vod: VodRequestHandler,
    private readonly frigate: FrigateProxy,
    private readonly adapterHost: HttpAdapterHost,
    private readonly events: TranscodeEvents,
  ) {}

  /** Where it listens, once it does. */
  get port(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.port === undefined || !this.options.frigateUrl) return;
    const server = createServer((request, response) => this.route(request, response));
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgraded.add(socket);
      socket.once('close', () => this.upgraded.delete(socket));
      this.frigate.ws(request, socket, head);
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      // A head that did not come in time is told so, as Node's own handler does; anything else is cut.
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.writable) socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    // The public server's limits (idle and head timeouts, connection cap): the door is as public.
    // A WebSocket, once upgraded, is the proxy's: it lifts the idle timeout for it.
    const limits = serverLimitsOf(this.adapterHost.httpAdapter.getHttpServer());
    if (limits) applyServerLimits(server, limits);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`front door for Frigate at ${this.options.frigateUrl} listening on port ${this.port}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await closeHttpServer(server, this.upgraded);
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    // Counted as the app's own answers are (nvr_transcoder_http_requests_total), proxied ones included.
    publishHttpAnswer(this.events, 'front_door', request, response);
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    if (request.method === 'GET' && path.startsWith(VOD_PREFIX)) {
      const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
      this.vod.handle(request, response, path.slice(VOD_PREFIX.length), query).catch((error: Error) => {
        this.logger.error(error.stack ?? error.message);
        if (!response.headersSent) sendJson(response, 500, { success: false, message: 'Internal server error' });
        else response.destroy();
      });
      return;
    }
    this.frigate.web(request, response);
  }
}
