import { readdir, readlink, truncate } from 'node:fs/promises';
import { once } from 'node:events';
import { Socket, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { get as httpGet } from 'node:http';
import { sign } from 'jsonwebtoken';
import { BACK, T0 } from './support/fixtures';
import { segmentName } from './support/media-playlist';
import { TestApp, getJson, rangeUrl, startTestApp, waitFor } from './support/test-app';
import { SessionTable, WHOLE_READ_MAX_BYTES } from '@app/transcode';

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
      const metrics = await (await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token('ops', 'admin')}` } })).text();
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
    // Heads within 2 s (whole requests within 4 s); idleness 6 s (never shorter than the segment
    // wait plus 5 s), so anything closed well before 6 s was not closed for idling.
    app = await startTestApp({ HTTP_HEADERS_TIMEOUT_SECONDS: '2', HTTP_IDLE_TIMEOUT_SECONDS: '2', SEGMENT_WAIT_TIMEOUT_SECONDS: '1', MAX_CONNECTIONS: '4' });
  });
  afterAll(async () => app?.close());

  interface RawConnection {
    socket: Socket;
    received: () => string;
    /** Resolves with the time (Date.now()) the connection closed. */
    closed: Promise<number>;
  }

  const connect = () =>
    new Promise<RawConnection>((resolve, reject) => {
      const url = new URL(app.baseUrl);
      let received = '';
      const socket = netConnect({ host: url.hostname, port: Number(url.port) });
      const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now())));
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.once('connect', () => {
        // A refused connection may be reset while a request is written to it.
        socket.on('error', () => undefined);
        resolve({ socket, received: () => received, closed });
      });
      socket.once('error', reject);
    });
  const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const answered = (connection: RawConnection, count: number) =>
    waitFor(() => (connection.received().match(/HTTP\/1\.1 200/g) ?? []).length >= count, 5000, 20);
  /** The server counts at most `count` connections (those of an earlier test have gone). */
  const connectionsAtMost = (count: number) =>
    waitFor(
      () => new Promise<boolean>((resolve) => app.app.getHttpServer().getConnections((_: Error | null, open: number) => resolve(open <= count))),
      5000,
      20,
    );
  const closedWithin = (connection: RawConnection, ms: number) =>
    Promise.race([connection.closed, new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), ms))]);

  it('takes at most MAX_CONNECTIONS at once: one more is closed at once, unanswered, while the others keep being served', async () => {
    await connectionsAtMost(0);
    // Four keep-alive connections, each answered once and open for more.
    const held = await Promise.all(Array.from({ length: 4 }, () => connect()));
    for (const connection of held) connection.socket.write(request('/cameras'));
    await Promise.all(held.map((connection) => answered(connection, 1)));
    const extra = await connect();
    extra.socket.write(request('/cameras'));
    // Without the cap it would be answered; with it, it is closed with no byte sent.
    expect(await closedWithin(extra, 1000)).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(extra.received()).toBe('');
    for (const connection of held) connection.socket.write(request('/cameras'));
    await Promise.all(held.map((connection) => answered(connection, 2)));
    // A place frees when one goes (a fetch on a connection refused meanwhile may hang: it is cut short).
    held[0].socket.destroy();
    await waitFor(async () => (await fetch(`${app.baseUrl}/cameras`, { signal: AbortSignal.timeout(1000) }).catch(() => null))?.status === 200, 5000);
    for (const connection of held) connection.socket.destroy();
    // The next tests' connections must not be refused for these (the fetch's own may stay).
    await connectionsAtMost(1);
  });

  it('closes (408) a connection whose request head is not done within HTTP_HEADERS_TIMEOUT_SECONDS: one that stops half-way, and one that drips a byte every 300 ms (which idleness never closes)', async () => {
    const [half, drip] = await Promise.all([connect(), connect()]);
    const started = Date.now();
    half.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const head = `GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(100)}`;
    let sent = 0;
    const dripping = setInterval(() => !drip.socket.destroyed && drip.socket.write(head[sent++ % head.length]), 300);
    try {
      for (const connection of [half, drip]) {
        const closedAt = await closedWithin(connection, 8000);
        expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
        // The head timeout (2 s, checked every 0.5 s), not the whole-request one (4 s) nor idleness (6 s).
        expect(closedAt - started).toBeLessThan(3500);
      }
    } finally {
      clearInterval(dripping);
    }
  });

  it('gives the file of a streamed segment back at once when its client goes after the first bytes', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 8)}`);
    expect(created.status).toBe(200);
    const sessionId: string = created.body.sessionId;
    const { driver } = app.app.get(SessionTable, { strict: false }).get(sessionId)!;
    await waitFor(() => driver.readyFile(1) !== undefined, 20_000);
    // Segments over WHOLE_READ_MAX_BYTES are streamed, not read whole: make segment 1 one (sparse)
    // and record its size as ffmpeg's listing does (in the finished segments its driver keeps).
    const name = driver.readyFile(1)!;
    const path = join(app.transcodeDir, sessionId, name);
    const size = 8 * WHOLE_READ_MAX_BYTES;
    await truncate(path, size);
    (driver as unknown as { ready: { keep(index: number, fileName: string, bytes: number): void } }).ready.keep(1, name, size);
    /** Descriptors this process (the app runs in it) has open on the segment's file. */
    const openOnFile = async () => {
      let count = 0;
      for (const fd of await readdir('/proc/self/fd')) if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) count += 1;
      return count;
    };
    // A client that stops reading at the first bytes (the server has most of the file still to send), then goes.
    const client = await connect();
    client.socket.write(request(`/stream/transcode/${sessionId}/${segmentName(1)}`));
    await once(client.socket, 'data');
    client.socket.pause();
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(await openOnFile()).toBe(1);
    client.socket.destroy();
    // (One that stays connected but reads nothing is cut by idleness: applyServerLimits' spec.)
    await waitFor(async () => (await openOnFile()) === 0, 2000, 20);
  });
});
