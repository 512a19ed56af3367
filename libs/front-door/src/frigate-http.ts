import { HttpException, HttpStatus } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The request headers Frigate decides auth from, as its nginx passes them to /auth
 * (auth_location.conf): the login cookie or bearer token, and the headers of an auth proxy in
 * front of it (proxy_trusted_headers.conf, and `x-proxy-secret`).
 */
const CREDENTIAL_HEADERS = [
  'cookie',
  'authorization',
  'x-proxy-secret',
  'remote-user',
  'remote-groups',
  'remote-email',
  'remote-name',
  'x-forwarded-user',
  'x-forwarded-groups',
  'x-forwarded-email',
  'x-forwarded-preferred-username',
  'x-authentik-username',
  'x-authentik-groups',
  'x-authentik-email',
  'x-authentik-name',
  'x-authentik-uid',
];

/** Pure: the credential headers of a request, in a fixed order (so equal credentials give equal keys). */
export function credentialHeaders(headers: IncomingHttpHeaders): [string, string][] {
  const found: [string, string][] = [];
  for (const name of CREDENTIAL_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    found.push([name, Array.isArray(value) ? value.join(', ') : value]);
  }
  return found;
}

/** Frigate did not answer, or answered something that is not what was asked. */
export class FrigateUnavailableException extends HttpException {
  constructor(reason: string) {
    super({ success: false, message: `Frigate does not answer (${reason}); retry shortly` }, HttpStatus.BAD_GATEWAY);
  }
}

const FRIGATE_TIMEOUT_MS = 5000;

/**
 * A GET of Frigate's with a request's credentials (or credentials already picked), the one way
 * the front door asks Frigate anything: redirects are answers (an auth proxy's login page), and
 * no answer within 5 s is a 502.
 */
export async function frigateGet(frigateUrl: string, path: string, credentials: IncomingHttpHeaders | [string, string][]): Promise<Response> {
  const headers = Object.fromEntries(Array.isArray(credentials) ? credentials : credentialHeaders(credentials));
  try {
    return await fetch(`${frigateUrl}${path}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(FRIGATE_TIMEOUT_MS) });
  } catch (error) {
    throw new FrigateUnavailableException(`${path}: ${(error as Error).message}`);
  }
}
