import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** What no client may hold an HTTP server beyond (HTTP_IDLE_TIMEOUT_SECONDS, HTTP_HEADERS_TIMEOUT_SECONDS, MAX_CONNECTIONS). */
export interface ServerLimits {
  idleTimeoutMs: number;
  headersTimeoutMs: number;
  maxConnections: number;
}

/** Node checks the head and request timeouts on a timer, 30 s by default: a few times per headers timeout instead. */
const MIN_CHECKING_INTERVAL_MS = 250;
const MAX_CHECKING_INTERVAL_MS = 30_000;

/** The limits each server was given, so that another server of the app can be given the same. */
const applied = new WeakMap<Server, ServerLimits>();
/** Each server's connections with no answer under way (between two requests, or before the first). */
const betweenRequests = new WeakMap<Server, Set<Socket>>();

/**
 * Limits on an HTTP server, so no client holds it:
 * - a connection idle both ways for `idleTimeoutMs` is closed (a player that stops reading a
 *   segment gives its file back);
 * - an idle keep-alive connection is kept as long, not Node's 5 s: at the default 120 s that is
 *   longer than reverse proxies keep idle upstream connections (nginx's keepalive_timeout, cloud
 *   load balancers: 60 s), so a proxy never sends a request down a connection this server is
 *   closing, which it answers with a 502. (An idle timeout below the proxy's brings that back.)
 * - a request head must arrive within `headersTimeoutMs`, the whole request within twice that,
 *   checked every quarter of the headers timeout: Node checks every 30 s otherwise, and a client
 *   that drips a byte at a time, which idleness never closes, would hold on that much longer;
 * - at most `maxConnections` at once: beyond, a new connection is closed at once.
 * To be applied before the server listens (Node reads the checking interval then).
 */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.timeout = limits.idleTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.headersTimeoutMs * 2;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    MAX_CHECKING_INTERVAL_MS,
    Math.max(MIN_CHECKING_INTERVAL_MS, Math.round(limits.headersTimeoutMs / 4)),
  );
  server.maxConnections = limits.maxConnections;
  applied.set(server, { ...limits });
  trackConnectionsBetweenRequests(server);
}

function trackConnectionsBetweenRequests(server: Server): void {
  if (betweenRequests.has(server)) return;
  const idle = new Set<Socket>();
  betweenRequests.set(server, idle);
  server.on('connection', (socket: Socket) => {
    idle.add(socket);
    socket.once('close', () => idle.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket as Socket;
    idle.delete(socket);
    response.once('close', () => !socket.destroyed && idle.add(socket));
  });
}

/**
 * For a shutdown: ends the connections that wait for a next request, and makes every answer
 * still under way end its connection. Keep-alive lasts the idle timeout (minutes), and closing
 * the server ends only the connections Node counts as idle at that moment, not one kept alive
 * after an answer it gave, so a close would otherwise wait out their keep-alive.
 */
export function endKeepAlive(server: Server): void {
  server.keepAliveTimeout = 1;
  for (const socket of betweenRequests.get(server) ?? []) socket.destroy();
}

/** The limits applyServerLimits gave `server`, or null when it gave none. */
export function serverLimitsOf(server: Server): ServerLimits | null {
  const limits = applied.get(server);
  return limits ? { ...limits } : null;
}
