import { sign } from 'jsonwebtoken';
import { createTranscodeClient } from '@app/client';
import { FRONT, T0 } from './support/fixtures';
import { TestApp, startTestApp } from './support/test-app';

const SECRET = 'typed-client-secret-'.repeat(4);
const adminToken = () =>
  sign({ sub: 'typed-client', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 }, Buffer.from(SECRET, 'utf8'), { algorithm: 'HS256' });

/**
 * The generated client (`@app/client`) against the real app with auth on: every call below is
 * typed by the committed OpenAPI document, so a route or parameter renamed without
 * `npm run openapi` fails the type check, and the drift test fails the document.
 */
describe('typed client (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ AUTH_DISABLED: 'false', JWT_SECRET: SECRET });
  });

  afterAll(async () => app?.close());

  it('creates a session, reads its playlist, lists it and deletes it, with the bearer token on every call', async () => {
    const client = createTranscodeClient(app.baseUrl, { token: adminToken });
    const range = { camera: FRONT.camera, start: String(T0), end: String(T0 + 20) };

    const created = await client.GET('/transcode/{camera}/start/{start}/end/{end}', { params: { path: range } });
    expect(created.response.status).toBe(200);
    const session = created.data!;
    expect(session).toMatchObject({ success: true, speed: 1 });
    expect(session.durationSeconds).toBeCloseTo(20, 0);

    const playlist = await client.GET('/stream/transcode/{sessionId}/{fileName}', {
      params: { path: { sessionId: session.sessionId, fileName: 'master.m3u8' } },
      parseAs: 'text',
    });
    expect(playlist.response.status).toBe(200);
    expect(playlist.response.headers.get('content-type')).toMatch(/^application\/vnd\.apple\.mpegurl/);
    expect(playlist.data).toMatch(/^#EXTM3U[\s\S]*seg_00000\.ts[\s\S]*#EXT-X-ENDLIST/);

    const listed = await client.GET('/transcode/sessions');
    expect(listed.data?.sessions.map((s) => [s.sessionId, s.camera])).toEqual([[session.sessionId, FRONT.camera]]);

    const stopped = await client.DELETE('/transcode/{sessionId}', { params: { path: { sessionId: session.sessionId } } });
    expect(stopped.data).toEqual({ success: true, message: 'Transcode session stopped' });
    expect((await client.GET('/transcode/sessions')).data?.sessions).toEqual([]);
  });

  it('gives a 4xx as its typed JSON error', async () => {
    const client = createTranscodeClient(app.baseUrl, { token: adminToken() });
    const backwards = await client.GET('/transcode/{camera}/start/{start}/end/{end}', {
      params: { path: { camera: FRONT.camera, start: String(T0 + 20), end: String(T0) } },
    });
    expect(backwards.response.status).toBe(400);
    expect(backwards.data).toBeUndefined();
    expect(backwards.error).toEqual({ success: false, message: expect.stringMatching(/end must be after start/) });
  });

  it('without a token the same call is a 401 with a JSON message', async () => {
    const anonymous = await createTranscodeClient(app.baseUrl).GET('/transcode/sessions');
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error).toEqual({ success: false, message: expect.any(String) });
  });
});
