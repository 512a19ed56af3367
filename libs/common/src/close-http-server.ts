import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Closes an HTTP server of its own (not Nest's): answers under way get `graceMs` to finish,
 * idle keep-alive connections go at once, and then every connection goes, upgraded ones
 * (WebSockets, which the server's own close never ends) included.
 */
export async function closeHttpServer(server: Server, upgraded: Iterable<Duplex> = [], graceMs = 2000): Promise<void> {
  server.closeIdleConnections();
  for (const socket of upgraded) socket.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Players keep connections open: a shutdown waits for answers under way, not for them.
    setTimeout(() => {
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      resolve();
    }, graceMs).unref();
  });
}
