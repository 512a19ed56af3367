import { generateKeyPairSync } from 'node:crypto';
import { sign, verify } from 'jsonwebtoken';
import { streamTokenKey } from '../libs/auth/src/jwt-keys';
import { transcodeSessionId } from '@app/transcode';
import { BACK, FRONT, T0 } from './support/fixtures';
import { TestApp, getJson, rangeUrl, startTestApp } from './support/test-app';

/**
 * Who may do what, over real HTTP. Every cell asserts the exact status: 401 (who are you?)
 * and 403 (not allowed) are distinct.
 */
// A Frigate-style secret: 128 hex characters, as Frigate's secrets.token_hex(64) makes.
const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'.repeat(4);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const now = () => Math.floor(Date.now() / 1000);

/** Signed the way Frigate signs: HS256 over the secret string's bytes, claims sub, role, exp, iat. */
function frigateToken(role: string, extra: Record<string, unknown> = {}, key: string | Buffer = Buffer.from(SECRET, 'utf8')) {
  return sign({ sub: `${role}-user`, role, exp: now() + 3600, iat: now(), ...extra }, key, { algorithm: 'HS256', noTimestamp: true });
}

function unsignedToken(role: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'x', role, exp: now() + 3600 })}.`;
}

const CALLERS: Record<string, { header?: string; cookie?: string }> = {
  admin: { header: frigateToken('admin') },
  viewer: { header: frigateToken('viewer') },
  'back-only role': { header: frigateToken('back_only') },
  'viewer narrowed to back by a cameras claim': { header: frigateToken('viewer', { cameras: ['back'] }) },
  'unknown role': { header: frigateToken('intern') },
  'viewer via the cookie': { cookie: frigateToken('viewer') },
  'admin signed with the hex-decoded secret': { header: frigateToken('admin', {}, Buffer.from(SECRET, 'hex')) },
  'admin signed RS256 by the configured issuer': {
    header: sign({ sub: 'rs', role: 'admin', exp: now() + 3600 }, privateKey, { algorithm: 'RS256' }),
  },
  'no token': {},
  expired: { header: frigateToken('admin', { exp: now() - 60 }) },
  'not yet valid': { header: frigateToken('admin', { nbf: now() + 3600 }) },
  forged: { header: frigateToken('admin', {}, 'not-the-secret') },
  'alg none': { header: unsignedToken('admin') },
  'HS256 signed with the public key (HS/RS confusion)': { header: frigateToken('admin', {}, PUBLIC_PEM) },
  'no role claim': { header: sign({ sub: 'x', exp: now() + 3600 }, Buffer.from(SECRET), { algorithm: 'HS256' }) },
  malformed: { header: 'not.a.jwt' },
  'header says JWT, payload is not JSON': {
    header: `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('notjson').toString('base64url')}.x`,
  },
};

describe('auth (e2e)', () => {
  let app: TestApp;
  let front: { sessionId: string; playlist: string };
  let back: { sessionId: string; playlist: string };

  const request = (path: string, caller: keyof typeof CALLERS, method = 'GET') => {
    const { header, cookie } = CALLERS[caller];
    const headers: Record<string, string> = {};
    if (header) headers.authorization = `Bearer ${header}`;
    if (cookie) headers.cookie = `other=1; frigate_token=${cookie}`;
    return getJson(`${app.baseUrl}${path}`, { method, headers });
  };
  const withoutQuery = (url: string) => url.split('?')[0];

  beforeAll(async () => {
    app = await startTestApp({
      AUTH_DISABLED: 'false',
      JWT_SECRET: SECRET,
      JWT_PUBLIC_KEY: PUBLIC_PEM,
      AUTH_ROLES: JSON.stringify({ back_only: [BACK.camera] }),
    });
    front = (await request(rangeUrl(FRONT.camera, T0, T0 + 10), 'admin')).body;
    back = (await request(rangeUrl(BACK.camera, T0, T0 + 10), 'admin')).body;
    expect(front.sessionId).toBeDefined();
    expect(back.sessionId).toBeDefined();
  });

  afterAll(async () => app.close());

  const createFront = rangeUrl(FRONT.camera, T0, T0 + 10);
  const createBack = rangeUrl(BACK.camera, T0, T0 + 10);
  const frontPlaylist = () => `/stream/transcode/${front.sessionId}/master.m3u8`;
  const frontSegment = () => `/stream/transcode/${front.sessionId}/seg_00000.ts`;
  const backPlaylist = () => `/stream/transcode/${back.sessionId}/master.m3u8`;

  type Row = [caller: keyof typeof CALLERS, what: string, path: () => string, method: string, status: number];
  const matrix: Row[] = [];
  const add = (what: string, path: () => string, method: string, statuses: Partial<Record<keyof typeof CALLERS, number>>) => {
    for (const [caller, status] of Object.entries(statuses)) matrix.push([caller, what, path, method, status!]);
  };
  const rejected = {
    'no token': 401,
    expired: 401,
    'not yet valid': 401,
    forged: 401,
    'alg none': 401,
    'HS256 signed with the public key (HS/RS confusion)': 401,
    'no role claim': 401,
    malformed: 401,
    'header says JWT, payload is not JSON': 401,
  };

  add('create on front', () => createFront, 'GET', {
    admin: 200,
    viewer: 200,
    'back-only role': 403,
    'viewer narrowed to back by a cameras claim': 403,
    'unknown role': 403,
    'viewer via the cookie': 200,
    'admin signed with the hex-decoded secret': 200,
    'admin signed RS256 by the configured issuer': 200,
    ...rejected,
  });
  add('create on back', () => createBack, 'GET', {
    'back-only role': 200,
    'viewer narrowed to back by a cameras claim': 200,
    'unknown role': 403,
    'no token': 401,
  });
  add('playlist of a front session', frontPlaylist, 'GET', {
    admin: 200,
    viewer: 200,
    'back-only role': 403,
    'viewer narrowed to back by a cameras claim': 403,
    'unknown role': 403,
    'viewer via the cookie': 200,
    ...rejected,
  });
  add('segment of a front session', frontSegment, 'GET', {
    admin: 200,
    viewer: 200,
    'back-only role': 403,
    'unknown role': 403,
    'no token': 401,
    forged: 401,
    expired: 401,
  });
  add('playlist of a back session', backPlaylist, 'GET', { 'back-only role': 200, 'unknown role': 403 });
  add('session listing', () => '/transcode/sessions', 'GET', {
    admin: 200,
    viewer: 403,
    'back-only role': 403,
    'viewer via the cookie': 403,
    'admin signed RS256 by the configured issuer': 200,
    ...rejected,
  });
  add('DELETE', () => `/transcode/${front.sessionId}`, 'DELETE', {
    viewer: 403,
    'back-only role': 403,
    'unknown role': 403,
    'viewer via the cookie': 403,
    ...rejected,
  });
  add('health (for operators, open)', () => '/health', 'GET', { 'no token': 200 });

  it.each(matrix)('%s → %s (%s %s) answers %d', async (caller, _what, path, method, status) => {
    const { status: actual, body } = await request(path(), caller, method);
    expect(actual).toBe(status);
    if (status >= 400) expect(body).toEqual({ success: false, message: expect.any(String) });
  });

  it('tells anyone /health’s status, and only an admin’s token why (paths, URLs, stderr stay internal)', async () => {
    const open = await request('/health', 'no token');
    expect(open.status).toBe(200);
    expect(open.body.info.ffmpeg).toEqual({ status: 'up' });
    expect(open.body.info.transcode_dir).toEqual({ status: 'up' });
    expect(JSON.stringify(open.body)).not.toMatch(/freeMiB|hwaccel|message/);
    const viewer = await request('/health', 'viewer');
    expect(viewer.body.info.transcode_dir).toEqual({ status: 'up' });
    const admin = await request('/health', 'admin');
    expect(admin.body.info.transcode_dir).toMatchObject({ status: 'up', freeMiB: expect.any(Number) });
    expect(admin.body.info.encoder).toMatchObject({ status: 'up', encoder: 'libx264' });
  });

  it('refuses a create a page on another site sends with the login cookie, and lets the same site and a bearer token through', async () => {
    const { cookie, header } = { cookie: CALLERS['viewer via the cookie'].cookie, header: CALLERS.viewer.header };
    const create = (site: string, auth: Record<string, string>) =>
      getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 10)}`, { headers: { 'sec-fetch-site': site, ...auth } });
    const crossSite = await create('cross-site', { cookie: `frigate_token=${cookie}` });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toEqual({ success: false, message: expect.stringMatching(/another site/) });
    expect((await create('same-origin', { cookie: `frigate_token=${cookie}` })).status).toBe(200);
    expect((await create('same-site', { cookie: `frigate_token=${cookie}` })).status).toBe(200);
    expect((await create('cross-site', { authorization: `Bearer ${header}` })).status).toBe(200);
    // Playing is not starting work: a cross-site player with the cookie still gets the playlist.
    const playlist = await getJson(`${app.baseUrl}${frontPlaylist()}`, { headers: { 'sec-fetch-site': 'cross-site', cookie: `frigate_token=${cookie}` } });
    expect(playlist.status).toBe(200);
  });

  it('refuses an export a page on another site sends with the login cookie, and starts nothing for it', async () => {
    const cookie = `frigate_token=${CALLERS['viewer via the cookie'].cookie}`;
    // A range nothing else here opens: neither its export nor its session may exist afterwards.
    const [start, end] = [T0 + 30, T0 + 40];
    const crossSite = await getJson(`${app.baseUrl}/export/${FRONT.camera}/start/${start}/end/${end}.mp4`, {
      headers: { 'sec-fetch-site': 'cross-site', cookie },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toEqual({ success: false, message: expect.stringMatching(/another site/) });
    const progress = await getJson(`${app.baseUrl}/export/${FRONT.camera}/start/${start}/end/${end}/progress`, { headers: { cookie } });
    expect(progress.body).toMatchObject({ success: true, state: 'idle' });
    const sessions = (await request('/transcode/sessions', 'admin')).body.sessions as { sessionId: string }[];
    expect(sessions.map((session) => session.sessionId)).not.toContain(transcodeSessionId(FRONT.camera, start, end));
  });

  describe('stream tokens', () => {
    it('the playlist URL carries a stream token that plays without any header, and so do its segment URIs', async () => {
      expect(front.playlist).toMatch(/master\.m3u8\?token=[\w-]+\.[\w-]+\.[\w-]+$/);
      const playlist = await fetch(`${app.baseUrl}${front.playlist}`);
      expect(playlist.status).toBe(200);
      const segmentUri = /^(seg_\d{5}\.ts\?token=.+)$/m.exec(await playlist.text())?.[1];
      expect(segmentUri).toBeDefined();
      const segment = await fetch(new URL(segmentUri!, `${app.baseUrl}${front.playlist}`));
      expect(segment.status).toBe(200);
      expect(segment.headers.get('content-type')).toContain('video/mp2t');
    });

    it('signs stream tokens with a key of their own: a leaked one cannot be checked against guesses of the secret shared with Frigate', async () => {
      const token = decodeURIComponent(/token=([^&]+)$/.exec(front.playlist)![1]);
      for (const key of [Buffer.from(SECRET), Buffer.from(SECRET, 'hex'), streamTokenKey(SECRET)]) {
        expect(() => verify(token, key, { algorithms: ['HS256'] })).toThrow(/invalid signature/);
      }
    });

    it('a playlist fetched with a login token gets segment URIs with a stream token', async () => {
      const { body } = await request(frontPlaylist(), 'viewer');
      const segmentUri = /^(seg_00000\.ts\?token=.+)$/m.exec(body)?.[1];
      expect((await fetch(`${app.baseUrl}/stream/transcode/${front.sessionId}/${segmentUri}`)).status).toBe(200);
    });

    it('a valid stream token plays even beside a stale login cookie or a proxy’s Basic header', async () => {
      const url = `${app.baseUrl}${front.playlist}`;
      const staleCookie = { cookie: `frigate_token=${CALLERS.expired.header}` };
      expect((await fetch(url, { headers: staleCookie })).status).toBe(200);
      expect((await fetch(url, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })).status).toBe(200);
    });

    it('a stream token issued to a login never outlives that login', async () => {
      const shortLogin = frigateToken('viewer', { exp: now() + 30 });
      const { body } = await request(createFront, 'admin');
      const viaShortLogin = await getJson(`${app.baseUrl}${withoutQuery(body.playlist)}`, {
        headers: { authorization: `Bearer ${shortLogin}` },
      });
      const token = /token=([^\s]+)$/m.exec(viaShortLogin.body)![1];
      const claims = JSON.parse(Buffer.from(decodeURIComponent(token).split('.')[1], 'base64url').toString());
      expect(claims.exp).toBeLessThanOrEqual(now() + 30);
    });

    it('a stream token replayed on another session is refused with 403', async () => {
      const token = new URL(front.playlist, app.baseUrl).searchParams.get('token');
      const { status } = await getJson(`${app.baseUrl}${backPlaylist()}?token=${token}`);
      expect(status).toBe(403);
    });

    it.each([
      ['the create route', () => createFront, 'GET'],
      ['the session listing', () => '/transcode/sessions', 'GET'],
      ['DELETE of its own session', () => `/transcode/${front.sessionId}`, 'DELETE'],
    ])('a stream token on %s is not a login: 401', async (_name, path, method) => {
      const token = new URL(front.playlist, app.baseUrl).searchParams.get('token');
      const { status } = await getJson(`${app.baseUrl}${path()}?token=${token}`, { method });
      expect(status).toBe(401);
    });

    it.each([
      ['a tampered stream token', (token: string) => `${token.slice(0, -2)}xx`],
      ['a login token passed as a stream token', () => CALLERS.admin.header!],
      ['garbage', () => 'garbage'],
    ])('%s in ?token= is refused with 401', async (_name, makeToken) => {
      const token = new URL(front.playlist, app.baseUrl).searchParams.get('token')!;
      const { status } = await getJson(`${app.baseUrl}${withoutQuery(front.playlist)}?token=${encodeURIComponent(makeToken(token))}`);
      expect(status).toBe(401);
    });
  });

  it('an admin can DELETE (last: it ends the front session)', async () => {
    expect((await request(`/transcode/${front.sessionId}`, 'admin', 'DELETE')).status).toBe(200);
    expect((await request(frontPlaylist(), 'admin')).status).toBe(404);
  });

  it('documents the bearer scheme so Swagger’s Authorize button works', async () => {
    const { body } = await getJson(`${app.baseUrl}/docs-json`);
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(body.paths['/transcode/{camera}/start/{start}/end/{end}'].get.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
  });
});
