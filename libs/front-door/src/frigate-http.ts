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
