import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { FrigateCaller, FrigateUnavailableException, forwardedHeaders, frigateGet } from './frigate-http';

/** A Frigate user, as its /api/profile describes them. */
export interface FrigateUser {
  username: string;
  role: string;
  /** The cameras they may watch: Frigate's list, or 'all' where Frigate lets a role see every camera without one. */
  allowedCameras: string[] | 'all';
}

/** Pure: whether `user` may watch `camera`. */
export function mayWatch(user: FrigateUser, camera: string): boolean {
  return user.allowedCameras === 'all' || user.allowedCameras.includes(camera);
}

/**
 * Denied as Frigate's nginx denies on its auth_request: 401 when Frigate does not know the
 * caller (or redirects them to a login), 403 when it knows them and refuses.
 */
export type FrigateAuthAnswer = { kind: 'allowed'; user: FrigateUser; setCookie: string[] } | { kind: 'denied'; status: 401 | 403 };

/** Frigate's built-in roles, which see every camera (frigate/config/auth.py). */
const FULL_ACCESS_ROLES = new Set(['admin', 'viewer']);
/** Entries kept at most: one per set of request headers seen within the cache time. */
const MAX_CACHED = 1000;

/**
 * Auth as Frigate decides it, for any of its auth modes (its own login, an auth proxy's
 * headers with the role header its operator chose, auth off), without its secret: the
 * request's headers (all but hop-by-hop ones, see forwardedHeaders) are put to Frigate's
 * /api/auth (what its nginx's auth_request does), and the user's cameras come from
 * /api/profile. Each answer is reused for FRONT_DOOR_AUTH_CACHE_SECONDS for exactly the same
 * headers: any header may be the one Frigate decides from, so two users behind one proxy who
 * differ in one header never share an answer.
 */
@Injectable()
export class FrigateAuthClient {
  private readonly logger = new Logger(FrigateAuthClient.name);
  private readonly cache = new Map<string, { expiresAt: number; answer: FrigateAuthAnswer }>();

  constructor(@Inject(FRONT_DOOR_MODULE_OPTIONS) private readonly options: FrontDoorModuleOptions) {}

  async authenticate(caller: FrigateCaller): Promise<FrigateAuthAnswer> {
    const headers = forwardedHeaders(caller);
    const key = createHash('sha256').update(JSON.stringify(headers)).digest('base64url');
    const now = Date.now();
    const cached = this.cache.get(key);
    // A refreshed cookie is handed on once, with the answer that brought it.
    if (cached && cached.expiresAt > now) return cached.answer.kind === 'allowed' ? { ...cached.answer, setCookie: [] } : cached.answer;
    const answer = await this.ask(headers);
    if (this.options.authCacheSeconds > 0) {
      if (this.cache.size >= MAX_CACHED) this.evictExpired(now);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { expiresAt: now + this.options.authCacheSeconds * 1000, answer });
    }
    return answer;
  }

  private async ask(headers: [string, string][]): Promise<FrigateAuthAnswer> {
    const auth = await this.get('/api/auth', headers);
    // A redirect to a login page (an auth proxy in front of Frigate) is not logged in, as a 401 is.
    if (auth.status === 401 || (auth.status >= 300 && auth.status < 400)) return { kind: 'denied', status: 401 };
    if (auth.status === 403) return { kind: 'denied', status: 403 };
    if (auth.status < 200 || auth.status >= 300) throw new FrigateUnavailableException(`/api/auth answered ${auth.status}`);
    // A cookie Frigate refreshed on the way is handed on, as its nginx does.
    const setCookie = auth.headers.getSetCookie();
    const cookie = setCookie.length ? refreshedCookie(headers, setCookie) : headers;
    const profile = await this.get('/api/profile', cookie);
    if (profile.status === 401 || profile.status === 403) {
      // Frigate with its auth off lets an anonymous caller in (/api/auth) but not read a profile:
      // its own /vod then serves them by the role /api/auth named, and so does this.
      const role = auth.headers.get('remote-role') ?? '';
      if (!FULL_ACCESS_ROLES.has(role)) return { kind: 'denied', status: 403 };
      return { kind: 'allowed', user: { username: auth.headers.get('remote-user') ?? 'anonymous', role, allowedCameras: 'all' }, setCookie };
    }
    if (profile.status !== 200) throw new FrigateUnavailableException(`/api/profile answered ${profile.status}`);
    const body = (await profile.json().catch(() => null)) as { username?: unknown; role?: unknown; allowed_cameras?: unknown } | null;
    if (!body || !Array.isArray(body.allowed_cameras)) throw new FrigateUnavailableException('/api/profile has no allowed_cameras');
    return {
      kind: 'allowed',
      user: {
        username: typeof body.username === 'string' ? body.username : 'anonymous',
        role: typeof body.role === 'string' ? body.role : 'viewer',
        allowedCameras: body.allowed_cameras.filter((camera): camera is string => typeof camera === 'string'),
      },
      setCookie,
    };
  }

  private async get(path: string, headers: [string, string][]): Promise<Response> {
    const response = await frigateGet(this.options.frigateUrl ?? '', path, headers).catch((error: Error) => {
      this.logger.warn(error.message);
      throw error;
    });
    if (path === '/api/auth') await response.body?.cancel();
    return response;
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}

/** The headers with the cookie Frigate just refreshed in place of the old one. */
function refreshedCookie(headers: [string, string][], setCookie: string[]): [string, string][] {
  const fresh = new Map(
    setCookie.map((line) => {
      const pair = line.split(';')[0];
      const at = pair.indexOf('=');
      return [pair.slice(0, at).trim(), pair.slice(at + 1)] as const;
    }),
  );
  return headers.map(([name, value]) => {
    if (name !== 'cookie') return [name, value];
    const cookies = value.split(/;\s*/).map((pair) => {
      const cookieName = pair.split('=')[0];
      return fresh.has(cookieName) ? `${cookieName}=${fresh.get(cookieName)}` : pair;
    });
    return [name, cookies.join('; ')];
  });
}
