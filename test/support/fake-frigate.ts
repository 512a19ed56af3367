/**
 * A stand-in for Frigate behind its nginx (port 8971), for the front door's tests: the VOD
 * routes of frigate-vod-server.ts (nginx-vod's fMP4 from the fixture recordings) plus what the
 * front door and Frigate's clients ask of it, as the real one answers:
 * - /api/auth: 202 with remote-user / remote-role for a known `frigate_token` cookie or bearer
 *   token, else 401 (frigate/api/auth.py); or, in proxy mode (`proxyAuth`: Frigate's auth off,
 *   `proxy.header_map`), for whoever the operator's user and role headers name;
 * - /api/profile: {username, role, allowed_cameras}; with `nginxApiCache`, kept 5 s by path as
 *   Frigate's nginx kept /api JSON before Frigate #23261, unless asked with X-Cache-Bypass;
 * - /api/events/{id}: the event, or 404 "Event not found";
 * - /vod/<route> without a file name (and /api/vod/<route>): the mapping JSON of vod_ts
 *   (clipFrom on a file that starts before the range, durations trimmed at its end);
 * - /vod/<route>/master.m3u8: one variant with the recordings' codec, and the query string on
 *   its URI (nginx's secure_token $args);
 * - /ws: a WebSocket that echoes; / : the UI's page.
 * - POST /api/login: {user, password} (a user's password is their token and "-password") sets
 *   the frigate_token cookie, else 401;
 * Everything but /api/auth, /api/login and /api/version wants a login. Every answer carries
 * `x-served-by: fake-frigate`, so a test can tell Frigate's answers from the front door's. Each
 * request's client address is worked out as Frigate's get_remote_addr does (X-Forwarded-For,
 * right to left, the first address not in `auth.trusted_proxies`), for its login rate limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIPv4 } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { readMp4Info } from '../../libs/recordings/src/mp4-header.reader';
import { FrigateVodServer, fixtureFiles, startFrigateVodServer } from './frigate-vod-server';

export const SERVED_BY = 'fake-frigate';
export const FRIGATE_UI_PAGE = '<!doctype html><title>Frigate</title><div id="root">fake Frigate UI</div>';

export interface FakeFrigateUser {
  username: string;
  role: string;
  allowedCameras: string[];
  /** Known to Frigate but refused: its /api/auth answers 403 (e.g. an auth proxy's blocked user). */
  refused?: boolean;
}

export interface FakeFrigateEvent {
  camera: string;
  start_time: number;
  end_time: number | null;
}

/** Frigate with its auth off behind an auth proxy: `proxy.header_map` and the roles of its config. */
export interface FakeFrigateProxyAuth {
  /** proxy.header_map.role: the header the role comes from (Frigate's docs use x-forwarded-role). */
  roleHeader: string;
  /** proxy.header_map.user. */
  userHeader?: string;
  /** auth.roles: each custom role's cameras; admin and viewer see every camera. */
  roles: Record<string, string[]>;
}

/** What Frigate saw of a request's origin. */
export interface SeenClient {
  path: string;
  forwardedFor?: string;
  /** The address Frigate's get_remote_addr picks: its login rate limit's key. */
  clientAddress: string;
}

export interface FakeFrigate extends FrigateVodServer {
  /** How often /api/auth was asked. */
  authCalls(): number;
  /** Every request's client as Frigate saw it, oldest first. */
  seenClients(): SeenClient[];
  /** auth.trusted_proxies (CIDRs). */
  setTrustedProxies(networks: string[]): void;
}

export async function startFakeFrigate(options: {
  cameras: readonly string[];
  /** Login token (the frigate_token cookie's value, or a bearer token) → user. */
  users: Record<string, FakeFrigateUser>;
  events?: Record<string, FakeFrigateEvent>;
  /** Frigate's recordings folder (the test fixtures' by default). */
  recordingsDir?: string;
  /** Where it listens (a free loopback port by default). */
  port?: number;
  proxyAuth?: FakeFrigateProxyAuth;
  /** Keep /api/profile's JSON 5 s by path, as Frigate's nginx did before #23261. */
  nginxApiCache?: boolean;
}): Promise<FakeFrigate> {
  let authCalls = 0;
  let trustedProxies: string[] = [];
  const seen: SeenClient[] = [];
  const profiles = new Map<string, { body: unknown; until: number }>();
  const sockets = new WebSocketServer({ noServer: true });
  sockets.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo:${data.toString()}`)));

  const userOf = (request: IncomingMessage): FakeFrigateUser | null => {
    const proxy = options.proxyAuth;
    if (proxy) {
      // resolve_role: the header's role when the config has it, else the default (viewer).
      const claimed = String(request.headers[proxy.roleHeader] ?? '').trim();
      const role = claimed === 'admin' || claimed in proxy.roles ? claimed : 'viewer';
      const username = String((proxy.userHeader && request.headers[proxy.userHeader]) || 'viewer');
      return { username, role, allowedCameras: proxy.roles[role] ?? [...options.cameras] };
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const cookie = /(?:^|;\s*)frigate_token=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
    return options.users[bearer ?? cookie ?? ''] ?? null;
  };

  const server = await startFrigateVodServer(options.cameras, {
    async intercept(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> {
      response.setHeader('x-served-by', SERVED_BY);
      const path = url.pathname;
      const forwardedFor = request.headers['x-forwarded-for'] as string | undefined;
      seen.push({ path, forwardedFor, clientAddress: remoteAddress(forwardedFor, request.socket.remoteAddress ?? '', trustedProxies) });
      const user = userOf(request);
      if (path === '/api/auth') {
        authCalls += 1;
        if (!user) return answer(response, 401, '');
        if (user.refused) return answer(response, 403, '');
        response.writeHead(202, { 'remote-user': user.username, 'remote-role': user.role }).end();
        return true;
      }
      if (path === '/api/login' && request.method === 'POST') {
        const body = JSON.parse((await readBody(request)) || '{}') as { user?: string; password?: string };
        const token = Object.keys(options.users).find((key) => options.users[key].username === body.user && body.password === `${key}-password`);
        if (!token) return json(response, 401, { message: 'Login failed' });
        response.setHeader('Set-Cookie', `frigate_token=${token}; Path=/; HttpOnly; SameSite=Lax`);
        return json(response, 200, {});
      }
      if (path === '/api/version') return false;
      if (path === '/') return answer(response, 200, FRIGATE_UI_PAGE, 'text/html');
      if (!user) return answer(response, 401, '<html>401 Authorization Required</html>', 'text/html');
      if (path === '/api/profile') {
        const kept = profiles.get(path);
        if (options.nginxApiCache && !request.headers['x-cache-bypass'] && kept && kept.until > Date.now()) return json(response, 200, kept.body);
        const body = { username: user.username, role: user.role, allowed_cameras: user.allowedCameras };
        if (options.nginxApiCache) profiles.set(path, { body, until: Date.now() + 5000 });
        return json(response, 200, body);
      }
      const event = /^\/api\/events\/([^/]+)$/.exec(path);
      if (event) {
        const found = options.events?.[decodeURIComponent(event[1])];
        if (!found) return json(response, 404, 'Event not found');
        return json(response, 200, { id: event[1], label: 'person', has_clip: true, ...found });
      }
      const mapping = /^(?:\/api)?\/vod\/([^/]+)\/start\/([\d.]+)\/end\/([\d.]+)\/?$/.exec(path);
      if (mapping) return json(response, ...(await mappingOf(mapping[1], Number(mapping[2]), Number(mapping[3]), options.recordingsDir)));
      const master = /^\/vod\/([^/]+)\/start\/([\d.]+)\/end\/([\d.]+)\/master\.m3u8$/.exec(path);
      if (master) {
        const files = await fixtureFiles(master[1], Number(master[2]), Number(master[3]), options.recordingsDir);
        if (!files.length) return answer(response, 404, '');
        const info = await readMp4Info(files[0].path);
        const codec = info?.video?.codecTag === 'avc1' ? 'avc1.64001e' : 'hvc1.1.6.L90.90';
        const query = url.search;
        return answer(response, 200, `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS="${codec}"\nindex.m3u8${query}\n`, 'application/vnd.apple.mpegurl');
      }
      return false;
    },
    recordingsDir: options.recordingsDir,
    port: options.port,
    upgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
      if (new URL(request.url ?? '/', 'http://x').pathname !== '/ws' || !userOf(request)) return void socket.destroy();
      sockets.handleUpgrade(request, socket, head, (client) => sockets.emit('connection', client, request));
    },
  });
  return {
    ...server,
    authCalls: () => authCalls,
    seenClients: () => [...seen],
    setTrustedProxies: (networks: string[]) => void (trustedProxies = networks),
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await server.close();
    },
  };
}

/**
 * Frigate's get_remote_addr (frigate/api/auth.py): X-Forwarded-For read right to left, the first
 * address not in a trusted network; the connection's own address when there is none.
 */
function remoteAddress(forwardedFor: string | undefined, socketAddress: string, trusted: string[]): string {
  const networks = new BlockList();
  for (const network of trusted) {
    const [address, bits] = network.split('/');
    networks.addSubnet(address, Number(bits ?? 32), isIPv4(address) ? 'ipv4' : 'ipv6');
  }
  for (const hop of (forwardedFor ?? '').split(',').reverse()) {
    const address = hop.trim();
    if (!address) continue;
    // An IPv4-mapped IPv6 address is checked as IPv4, as Frigate does.
    const v4 = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
    if (!networks.check(v4, isIPv4(v4) ? 'ipv4' : 'ipv6')) return address;
  }
  return socketAddress;
}

/** vod_ts of Frigate 0.16 (frigate/api/media.py): one clip per recording, in start order. */
async function mappingOf(camera: string, start: number, end: number, recordingsDir?: string): Promise<[number, unknown]> {
  const clips: Record<string, unknown>[] = [];
  const durations: number[] = [];
  for (const file of await fixtureFiles(camera, start, end, recordingsDir)) {
    const clip: Record<string, unknown> = { type: 'source', path: file.path };
    let duration = Math.trunc(file.durationSeconds * 1000);
    if (start > file.startTime) {
      const inpoint = Math.trunc((start - file.startTime) * 1000);
      clip.clipFrom = inpoint;
      duration -= inpoint;
    }
    const fileEnd = file.startTime + file.durationSeconds;
    if (fileEnd > end) duration -= Math.trunc((fileEnd - end) * 1000);
    if (duration < 100) continue;
    clip.keyFrameDurations = [duration];
    clips.push(clip);
    durations.push(duration);
  }
  if (!clips.length) return [404, { success: false, message: 'No recordings found.' }];
  return [
    200,
    { cache: true, discontinuity: false, consistentSequenceMediaInfo: true, durations, segment_duration: Math.max(...durations), sequences: [{ clips }] },
  ];
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown): true {
  return answer(response, status, JSON.stringify(body), 'application/json');
}

function answer(response: ServerResponse, status: number, body: string, type = 'text/plain'): true {
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) }).end(body);
  return true;
}
