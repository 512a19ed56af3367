import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createProxyServer } from 'http-proxy-3';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { sendJson } from '@app/common';

/**
 * Everything the front door does not answer itself goes to Frigate as it came, HTTP and
 * WebSocket alike (its UI, /api, /ws, /live, the login): http-proxy-3, a maintained rewrite of
 * http-proxy. The Host header is the client's, so Frigate's redirects and cookies name the front
 * door; X-Forwarded-* say where the request came from.
 */
@Injectable()
export class FrigateProxy implements OnApplicationShutdown {
  private readonly logger = new Logger(FrigateProxy.name);
  private readonly proxy;

  constructor(@Inject(FRONT_DOOR_MODULE_OPTIONS) options: FrontDoorModuleOptions) {
    this.proxy = createProxyServer({ target: options.frigateUrl, ws: true, xfwd: true, changeOrigin: false });
    this.proxy.on('error', (error, _request, target) => {
      this.logger.warn(`Frigate did not answer a proxied request: ${error.message}`);
      if (isResponse(target)) {
        if (!target.headersSent) sendJson(target, 502, { success: false, message: 'Frigate does not answer; retry shortly' });
        else target.destroy();
      } else {
        (target as Duplex | undefined)?.destroy();
      }
    });
  }

  web(request: IncomingMessage, response: ServerResponse): void {
    this.proxy.web(request, response);
  }

  ws(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.proxy.ws(request, socket, head);
  }

  onApplicationShutdown(): void {
    this.proxy.close();
  }
}

function isResponse(target: unknown): target is ServerResponse {
  return typeof target === 'object' && target !== null && 'writeHead' in target;
}
