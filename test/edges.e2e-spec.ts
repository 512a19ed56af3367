import { Socket, connect as netConnect } from 'node:net';
import { get as httpGet } from 'node:http';
import { sign } from 'jsonwebtoken';
import { BACK, T0 } from './support/fixtures';
import { TestApp, getJson, rangeUrl, startTestApp, waitFor } from './support/test-app';

const SECRET = 'edge-tests-secret-0123456789abcdef';
const token = (sub: string, role = 'viewer') => sign({ sub, role, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' });

/** The edges a service browsers can reach needs: rate limits, security headers, CORS, CSRF. */
describe('edges (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      AUTH_DISABLED: 'false',
      JWT_SECRET: SECRET,
      SESSION_CREATE_LIMIT: '3',
      SESSION_CREATE_WINDOW_SECONDS: '60',
      CORS_ORIGINS: 'https://frigate.example.com',
    });
  });

  afterAll(async () => app.close());

  describe('rate limit of session creation, per user', () => {
    // Short ranges of a small camera: each new one starts a real session.
    const create = (user: string, offset: number) =>
      getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0 + offset, T0 + offset + 4)}`, {
        headers: { authorization: `Bearer ${token(user)}` },
      });

    it('answers 429 with Retry-After and a JSON message past SESSION_CREATE_LIMIT new sessions, and counts it', async () => {
      for (const offset of [0, 1, 2]) expect((await create('alice', offset)).status).toBe(200);
      const refused = await create('alice', 3);
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ success: false, message: expect.stringMatching(/at most 3 every 60 s per user; retry in \d+ s/) });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
      expect(metrics).toContain('nvr_transcoder_rejected_sessions_total{reason="rate_limit"} 1');
    });

    it('never counts joining a session that exists (a reload, many viewers of one range)', async () => {
      for (let i = 0; i < 5; i += 1) expect((await create('alice', 0)).status).toBe(200);
    });

    it('counts each user on their own: another user behind the same address is not limited', async () => {
      expect((await create('bob', 10)).status).toBe(200);
    });

    it('does not limit the stream routes (a player fetches a segment every few seconds)', async () => {
      for (let i = 0; i < 6; i += 1) {
        const response = await fetch(`${app.baseUrl}/stream/transcode/${'0'.repeat(32)}/master.m3u8`, {
          headers: { authorization: `Bearer ${token('alice')}` },
        });
        expect(response.status).toBe(404);
      }
    });
  });

  describe('security headers (helmet)', () => {
    it.each(['/', '/health', '/cameras'])('%s carries them', async (path) => {
      const response = await fetch(`${app.baseUrl}${path}`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("media-src 'self' blob:");
      // Plain http on a LAN must keep working.
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-powered-by')).toBeNull();
    });
  });

  describe('CORS (CORS_ORIGINS)', () => {
    const preflight = (origin: string) =>
      fetch(`${app.baseUrl}/cameras`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });

    it('lets a listed origin call the API with credentials', async () => {
      const response = await preflight('https://frigate.example.com');
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://frigate.example.com');
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    });

    it('gives any other origin no CORS grant', async () => {
      const response = await preflight('https://evil.example');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('lets a listed origin start a transcode with the login cookie across sites; another site cannot', async () => {
      const createFrom = (origin: string, offset: number) =>
        getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0 + 40 + offset, T0 + 44 + offset)}`, {
          headers: { origin, 'sec-fetch-site': 'cross-site', cookie: `frigate_token=${token('carol')}` },
        });
      expect((await createFrom('https://frigate.example.com', 0)).status).toBe(200);
      expect((await createFrom('https://evil.example', 1)).status).toBe(403);
    });
  });

  describe("Frigate's CSRF rule", () => {
    const admin = token('root', 'admin');
    const remove = (headers: Record<string, string>) =>
      getJson(`${app.baseUrl}/transcode/${'0'.repeat(32)}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}`, ...headers } });

    it('refuses a change that comes from a page (Origin) without X-CSRF-TOKEN: 403 with a JSON message', async () => {
      const refused = await remove({ origin: 'https://evil.example' });
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ success: false, message: expect.stringContaining('Missing CSRF header') });
    });

    it('lets it through with the header, and without an Origin (scripts, curl)', async () => {
      expect((await remove({ origin: 'https://frigate.example.com', 'x-csrf-token': '1' })).status).toBe(404);
      expect((await remove({})).status).toBe(404);
    });

    it('never applies to reads', async () => {
      const response = await fetch(`${app.baseUrl}/health`, { headers: { origin: 'https://evil.example' } });
      expect(response.status).toBe(200);
    });
  });
});

describe('rate limit with AUTH_DISABLED (e2e)', () => {
  it('counts each address on its own, not every caller as the one "anonymous" user', async () => {
    const app = await startTestApp({ SESSION_CREATE_LIMIT: '1', SESSION_CREATE_WINDOW_SECONDS: '60' });
    // Loopback answers on all of 127.0.0.0/8: two clients, two addresses.
    const createFrom = (localAddress: string, offset: number) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(`${app.baseUrl}${rangeUrl(BACK.camera, T0 + offset, T0 + offset + 4)}`);
        httpGet({ host: url.hostname, port: url.port, path: url.pathname, localAddress }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
    try {
      expect(await createFrom('127.0.0.1', 0)).toBe(200);
      expect(await createFrom('127.0.0.1', 1)).toBe(429);
      expect(await createFrom('127.0.0.2', 2)).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('HTTP server limits (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    // The idle timeout is never shorter than the segment wait (plus 5 s): a short wait here.
    app = await startTestApp({ HTTP_IDLE_TIMEOUT_SECONDS: '2', SEGMENT_WAIT_TIMEOUT_SECONDS: '1', MAX_CONNECTIONS: '4' });
  });
  afterAll(async () => app?.close());

  const connect = () =>
    new Promise<Socket>((resolve, reject) => {
      const url = new URL(app.baseUrl);
      const socket = netConnect({ host: url.hostname, port: Number(url.port) }, () => resolve(socket));
      socket.once('error', reject);
    });
  const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  it('closes a connection that sends half a request and then nothing (a slow client holds nothing for long)', async () => {
    const socket = await connect();
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    await waitFor(() => socket.destroyed || socket.readyState === 'closed', 15_000);
    await closed(socket);
  });

  it('takes at most MAX_CONNECTIONS at once: one more is closed at once, and a place frees when one goes', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => connect()));
    const extra = await connect();
    await waitFor(() => extra.destroyed || extra.readyState === 'closed', 5000);
    held[0].destroy();
    await waitFor(async () => (await fetch(`${app.baseUrl}/health`).catch(() => null))?.status === 200, 5000);
    for (const socket of held) socket.destroy();
  });
});
