import { ForbiddenException } from '@nestjs/common';

/**
 * Pure: a request a browser sent from a page on another site (Sec-Fetch-Site, which pages
 * cannot set) that is logged in by its cookie alone, from an origin not trusted with it: a
 * bearer header is never sent by a page on its own, so a request carrying one was made on
 * purpose; a page of an origin in CORS_ORIGINS is one the operator let use the cookie. A
 * client that sends no Sec-Fetch-* (an older browser, Home Assistant, curl) is not refused.
 * The one rule for every route that starts work: the API's creates and exports, and the front
 * door's transcoded /vod.
 */
export function isCrossSiteCookieLogin(headers: Record<string, string | string[] | undefined>, trustedOrigins: readonly string[] = []): boolean {
  if (headers['sec-fetch-site'] !== 'cross-site' || /^Bearer /i.test(String(headers.authorization ?? ''))) return false;
  return !(typeof headers.origin === 'string' && trustedOrigins.includes(headers.origin));
}

/**
 * 403 for work a page on another site asked for with the user's login cookie: Frigate's cookie
 * is SameSite=Lax, so a hostile page's link or top-level navigation carries it.
 */
export class CrossSiteWorkException extends ForbiddenException {
  constructor() {
    super({
      success: false,
      message: 'A page on another site cannot start a transcode with your login cookie; send the token in an Authorization header',
    });
  }
}
