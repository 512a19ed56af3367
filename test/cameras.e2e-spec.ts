import { sign } from 'jsonwebtoken';
import { BACK, FRONT, T0 } from './support/fixtures';
import { TestApp, getJson, startTestApp } from './support/test-app';

const SECRET = 'cameras-e2e-secret-0123456789abcdef';
const token = (role: string) => sign({ sub: role, role, exp: Math.floor(Date.now() / 1000) + 600 }, Buffer.from(SECRET), { algorithm: 'HS256' });

/** The camera list and the recordings timeline, as REST clients and the player page use them. */
describe('cameras and recordings API (e2e)', () => {
  let app: TestApp;
  const get = (path: string, role?: string) => getJson(`${app.baseUrl}${path}`, { headers: role ? { authorization: `Bearer ${token(role)}` } : {} });

  beforeAll(async () => {
    app = await startTestApp({ AUTH_DISABLED: 'false', JWT_SECRET: SECRET, AUTH_ROLES: JSON.stringify({ back_only: [BACK.camera] }) });
  });
  afterAll(async () => app.close());

  it('lists every camera for a viewer, and only its own for a one-camera role', async () => {
    const viewer = await get('/cameras', 'viewer');
    expect(viewer.status).toBe(200);
    expect(viewer.body.cameras).toEqual(expect.arrayContaining([FRONT.camera, BACK.camera, 'long']));
    expect(viewer.body.cameras).toEqual([...viewer.body.cameras].sort());
    expect((await get('/cameras', 'back_only')).body.cameras).toEqual([BACK.camera]);
    expect((await get('/cameras', 'intern')).body.cameras).toEqual([]);
    expect((await get('/cameras')).status).toBe(401);
  });

  it('returns the covered spans and the gaps of a window', async () => {
    // FRONT: files for 0-60 s and 90-120 s after T0.
    const { status, body } = await get(`/cameras/${FRONT.camera}/recordings?after=${T0 - 30}&before=${T0 + 150}`, 'viewer');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      success: true,
      camera: FRONT.camera,
      spans: [
        { start: T0, end: T0 + 60 },
        { start: T0 + 90, end: T0 + 120 },
      ],
      gaps: [
        { start: T0 - 30, end: T0 },
        { start: T0 + 60, end: T0 + 90 },
        { start: T0 + 120, end: T0 + 150 },
      ],
      unreadable: [],
    });
  });

  it.each([
    ['a camera name with a dot', '/cameras/front.door/recordings', 400],
    ['a non-numeric after', '/cameras/front/recordings?after=yesterday', 400],
    ['before not after after', `/cameras/front/recordings?after=${T0}&before=${T0}`, 400],
    ['a window over 7 days', `/cameras/front/recordings?after=${T0}&before=${T0 + 8 * 86400}`, 400],
    ['an unknown query field', `/cameras/front/recordings?after=${T0}&x=1`, 400],
    ['an unknown camera', '/cameras/nosuch/recordings', 404],
  ])('answers %s with %d and a JSON message', async (_name, path, status) => {
    const answer = await get(path, 'admin');
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ success: false, message: expect.any(String) });
  });

  it('checks camera access on the recordings route', async () => {
    expect((await get(`/cameras/${FRONT.camera}/recordings`, 'back_only')).status).toBe(403);
    expect((await get(`/cameras/${BACK.camera}/recordings`, 'back_only')).status).toBe(200);
    expect((await get(`/cameras/${BACK.camera}/recordings`)).status).toBe(401);
  });

  it('brakes a client that hammers the recordings route: identical lookups shared, 429 with Retry-After past 60 a minute', async () => {
    const window = (i: number) => `/cameras/${FRONT.camera}/recordings?after=${T0 - 86400 - i}&before=${T0 + 86400}`;
    // A viewer of their own name: the limit is per user.
    const hammerToken = sign({ sub: 'hammer', role: 'viewer', exp: Math.floor(Date.now() / 1000) + 600 }, Buffer.from(SECRET), { algorithm: 'HS256' });
    const asHammer = (path: string) => getJson(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${hammerToken}` } });
    // The same window over and over is one lookup: never refused.
    for (let i = 0; i < 70; i += 1) expect((await asHammer(window(0))).status).toBe(200);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 1; i <= 70; i += 1) {
      const answer = await asHammer(window(i));
      statuses.push(answer.status);
      if (answer.status === 429) refused ??= answer;
    }
    expect(statuses.filter((status) => status === 200).length).toBeLessThan(60);
    expect(refused?.body).toEqual({ success: false, message: expect.stringMatching(/Too many recordings lookups/) });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user is not limited by it.
    expect((await get(window(100), 'viewer')).status).toBe(200);
  });

  it('documents both routes in OpenAPI', async () => {
    const { body } = await get('/docs-json');
    expect(body.paths['/cameras'].get).toBeDefined();
    expect(Object.keys(body.paths['/cameras/{camera}/recordings'].get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
  });
});
