import { HttpDoor, parsePlaylistPath, parseSegmentPath } from '@app/transcode';

/**
 * What `route` of nvr_transcoder_http_requests_total may be: a fixed set, so that a path (a
 * camera, a session id, a time, a scanner's guesses) never becomes a series of its own.
 */
export const HTTP_ROUTES = [
  'segment',
  'playlist',
  'session_api',
  'export',
  'cameras',
  'health',
  'metrics',
  'docs',
  'player',
  'cluster',
  'front_door',
  'front_door_proxy',
  'other',
] as const;
export type HttpRoute = (typeof HTTP_ROUTES)[number];

/** Methods kept as they are; any other is `other` (Node's parser knows some thirty). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The first path segment of the app's own routes, and the route each is. */
const APP_PREFIXES: Record<string, HttpRoute> = {
  transcode: 'session_api',
  export: 'export',
  cameras: 'cameras',
  health: 'health',
  metrics: 'metrics',
  docs: 'docs',
  'docs-json': 'docs',
  'docs-yaml': 'docs',
  vendor: 'player',
};

/** The player page's own files sit at the root: `/`, `/index.html`, `/player.js`, `/player.css`. */
const PLAYER_FILE = /^\/[\w.-]+\.(html|js|css)$/;
/** The cluster's routes between nodes (INTERNAL_PREFIX of @app/cluster): `/internal/…`. */
const CLUSTER_PREFIX = 'internal';

/**
 * Pure: the route a request is counted under. The front door's port has its own two (its /vod
 * made here, everything else proxied to Frigate, whose paths may look like the app's); on the
 * app's port, segments and playlists by the HLS names' own patterns, the rest by the first
 * segment of the path.
 */
export function httpRouteOf(door: HttpDoor, method: string, path: string): HttpRoute {
  if (door === 'front_door') return method === 'GET' && path.startsWith('/vod/') ? 'front_door' : 'front_door_proxy';
  if (parseSegmentPath(path)) return 'segment';
  if (parsePlaylistPath(path) !== null) return 'playlist';
  if (path === '/' || PLAYER_FILE.test(path)) return 'player';
  const first = path.split('/')[1] ?? '';
  if (first === CLUSTER_PREFIX) return 'cluster';
  return Object.hasOwn(APP_PREFIXES, first) ? APP_PREFIXES[first] : 'other';
}

/** Pure: the method as counted (GET … OPTIONS, else `other`). */
export function httpMethodOf(method: string): string {
  return METHODS.has(method) ? method : 'other';
}

/**
 * Pure: the status as counted: its code (a short list in practice: what the routes answer,
 * and what Frigate answers behind the front door), `aborted` for an answer cut short, and
 * `other` for anything outside HTTP's 100-599.
 */
export function httpStatusOf(status: number | 'aborted'): string {
  if (status === 'aborted') return 'aborted';
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';
}
