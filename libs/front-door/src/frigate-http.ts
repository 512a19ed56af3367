import { HttpException, HttpStatus } from '@nestjs/common';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** A request the front door asks Frigate about: its headers, and where it came from. */
export interface FrigateCaller {
  headers: IncomingHttpHeaders;
  /** The client's address as the front door's socket sees it (the last hop, never a header's claim). */
  remoteAddress?: string;
  /** Whether it came over TLS (X-Forwarded-Proto). */
  encrypted?: boolean;
}

export function frigateCallerOf(request: IncomingMessage): FrigateCaller {
  return { headers: request.headers, remoteAddress: request.socket.remoteAddress, encrypted: !!(request.socket as TLSSocket).encrypted };
}

/** Hop-by-hop headers (RFC 9110 §7.6.1), and those about a body or the connection that fetch sets itself: never handed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect']);
/**
 * Headers that say which bytes or which version of a resource a request wants, never who asks:
 * a player's `Range` put to Frigate's /api/profile would get part of its JSON. Accept-Encoding
 * is fetch's own (it decodes what it asked for).
 */
const RESOURCE_HEADERS = new Set(['range', 'if-range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'accept-encoding']);
/**
 * Frigate's nginx sets X-Server-Port on its own auth subrequest, and Frigate's /auth answers a
 * request that names its internal port (5000) as an anonymous admin: a client's own never
 * reaches Frigate through the door, as it never reaches /auth through Frigate's nginx.
 */
const NGINX_OWN = new Set(['x-server-port']);

/**
 * Pure: the headers a request of the front door's hands to Frigate's auth, profile, events and
 * master playlist, as Frigate's nginx hands its /api requests every header of the client's:
 * every one but the hop-by-hop ones (and those the Connection header names), the ones that only
 * say which bytes of a resource are wanted, and nginx's own X-Server-Port. Frigate (and its
 * nginx's trusted-header list) then decides from whichever of them its auth mode reads: a
 * login cookie, a bearer token, an auth proxy's `Remote-User`, the role header an operator set
 * in `proxy.header_map`. The client's address is appended to X-Forwarded-For (and proto, host
 * as the proxied requests get them), so Frigate's `get_remote_addr` finds the client, not the
 * door, and a client's own claim there is never the last word. In name order: equal requests
 * give equal lists (the auth cache's key).
 */
export function forwardedHeaders(caller: FrigateCaller): [string, string][] {
  const { headers } = caller;
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const forwarded = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith('proxy-') || named.has(name)) continue;
    if (RESOURCE_HEADERS.has(name) || NGINX_OWN.has(name)) continue;
    forwarded.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const append = (name: string, value: string) => forwarded.set(name, forwarded.has(name) ? `${forwarded.get(name)}, ${value}` : value);
  if (caller.remoteAddress) append('x-forwarded-for', caller.remoteAddress);
  append('x-forwarded-proto', caller.encrypted ? 'https' : 'http');
  if (!forwarded.has('x-forwarded-host') && typeof headers.host === 'string') forwarded.set('x-forwarded-host', headers.host);
  return [...forwarded].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Frigate did not answer, or answered something that is not what was asked. */
export class FrigateUnavailableException extends HttpException {
  constructor(reason: string) {
    super({ success: false, message: `Frigate does not answer (${reason}); retry shortly` }, HttpStatus.BAD_GATEWAY);
  }
}

const FRIGATE_TIMEOUT_MS = 5000;

/**
 * A GET of Frigate's with a request's headers (or headers already picked), the one way the
 * front door asks Frigate anything: redirects are answers (an auth proxy's login page), and no
 * answer within 5 s is a 502. `X-Cache-Bypass` keeps the answer out of Frigate's nginx cache of
 * /api (5 s of JSON, keyed by path only before Frigate #23261): one user's profile is never
 * another's.
 */
export async function frigateGet(frigateUrl: string, path: string, headers: FrigateCaller | [string, string][]): Promise<Response> {
  const sent = Object.fromEntries(Array.isArray(headers) ? headers : forwardedHeaders(headers));
  try {
    return await fetch(`${frigateUrl}${path}`, {
      headers: { ...sent, 'x-cache-bypass': '1' },
      redirect: 'manual',
      signal: AbortSignal.timeout(FRIGATE_TIMEOUT_MS),
    });
  } catch (error) {
    throw new FrigateUnavailableException(`${path}: ${(error as Error).message}`);
  }
}
