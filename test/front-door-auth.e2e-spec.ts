import { FakeFrigate, SERVED_BY, startFakeFrigate } from './support/fake-frigate';
import { BACK, FRONT, T0 } from './support/fixtures';
import { freePort } from './support/net';
import { TestApp, startTestApp } from './support/test-app';

/** Frigate's config for this suite: a role that sees the back ("garage") camera only. */
const ROLES = { garage_only: [BACK.camera] };

/**
 * The front door before a Frigate whose auth is an auth proxy's (Frigate's auth off,
 * `proxy.header_map` naming the user and role headers the operator chose): Frigate decides from
 * whatever header its operator set, so the door hands it every header of the request, keys its
 * cached answers on all of them, and tells Frigate who the client is (X-Forwarded-For) as a
 * proxy in front of Frigate's nginx must.
 */
describe('Frigate front door: Frigate’s proxy auth and the client’s address (e2e, real HTTP, a stand-in Frigate)', () => {
  let frigate: FakeFrigate;
  let app: TestApp;
  let door: string;

  /** A request as an auth proxy in front of the door sends it: the user and role are its headers. */
  const asProxyUser = (path: string, role: string, extra: Record<string, string> = {}) =>
    fetch(`${door}${path}`, { headers: { 'x-forwarded-user': 'sam', 'x-forwarded-role': role, ...extra } });

  beforeAll(async () => {
    // Frigate behind its nginx with the cache of /api JSON it had before #23261.
    frigate = await startFakeFrigate({
      cameras: [FRONT.camera, BACK.camera],
      users: {},
      proxyAuth: { roleHeader: 'x-forwarded-role', userHeader: 'x-forwarded-user', roles: ROLES },
      nginxApiCache: true,
    });
    const port = await freePort();
    app = await startTestApp({ FRONT_DOOR_PORT: String(port), FRIGATE_URL: frigate.origin, FRONT_DOOR_AUTH_CACHE_SECONDS: '60' });
    door = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
    await frigate?.close();
  });

  it('gives a garage-only user of the auth proxy 403 on the front camera’s playlist and segment, and plays the garage’s', async () => {
    const front = `/vod/${FRONT.camera}/start/${T0}/end/${T0 + 20}`;
    for (const file of ['master.m3u8', 'seg_00000.ts']) {
      const refused = await asProxyUser(`${front}/${file}`, 'garage_only');
      expect({ file, status: refused.status, body: await refused.json() }).toEqual({
        file,
        status: 403,
        body: { success: false, message: `No access to camera '${FRONT.camera}'` },
      });
    }
    const garage = `/vod/${BACK.camera}/start/${T0}/end/${T0 + 20}`;
    for (const file of ['master.m3u8', 'index.m3u8', 'seg_00000.ts']) {
      const played = await asProxyUser(`${garage}/${file}`, 'garage_only');
      expect({ file, status: played.status, by: played.headers.get('x-served-by') }).toEqual({ file, status: 200, by: null });
      await played.arrayBuffer();
    }
  });

  it('never gives two users who differ only in the role header one answer, in either order and within every cache time', async () => {
    const base = `/vod/${FRONT.camera}/start/${T0 + 20}/end/${T0 + 40}/master.m3u8`;
    // Within 5 s of each other: an answer kept by the door, or by Frigate's nginx, would be shared.
    const statuses: number[] = [];
    for (const role of ['admin', 'garage_only', 'admin', 'garage_only']) {
      const response = await asProxyUser(base, role);
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([200, 403, 200, 403]);
  });

  it('tells Frigate the client’s address last in X-Forwarded-For, on the auth calls and the proxied requests: a client’s own claim never picks it', async () => {
    const seenFrom = frigate.seenClients().length;
    // A client that claims another address, on a new set of headers (the door asks Frigate afresh).
    const claim = { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'claims-another-address' };
    await (await asProxyUser(`/vod/${BACK.camera}/start/${T0}/end/${T0 + 20}/master.m3u8`, 'garage_only', claim)).arrayBuffer();
    // Frigate's login goes through the proxy (http-proxy-3, xfwd), its rate limit keyed by this address.
    const login = await fetch(`${door}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...claim }, body: '{}' });
    expect(login.headers.get('x-served-by')).toBe(SERVED_BY);
    const seen = frigate.seenClients().slice(seenFrom);
    const paths = ['/api/auth', '/api/profile', '/api/login'];
    for (const path of paths) {
      const request = seen.find((client) => client.path === path);
      expect({ path, forwardedFor: request?.forwardedFor, client: request?.clientAddress }).toEqual({
        path,
        forwardedFor: expect.stringMatching(/^203\.0\.113\.9, ?(::ffff:)?127\.0\.0\.1$/),
        client: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/),
      });
    }
    // With the address of a TLS proxy in front of the door in auth.trusted_proxies, the address
    // that proxy names is the client's (here the proxy is on loopback too).
    frigate.setTrustedProxies(['127.0.0.1/32']);
    try {
      const behindTls = { 'x-forwarded-for': '198.51.100.7', 'user-agent': 'behind-a-tls-proxy' };
      const from = frigate.seenClients().length;
      await (await asProxyUser(`/vod/${BACK.camera}/start/${T0}/end/${T0 + 20}/master.m3u8`, 'garage_only', behindTls)).arrayBuffer();
      await (await fetch(`${door}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...behindTls }, body: '{}' })).arrayBuffer();
      const clients = frigate.seenClients().slice(from);
      for (const path of paths)
        expect({ path, client: clients.find((client) => client.path === path)?.clientAddress }).toEqual({ path, client: '198.51.100.7' });
    } finally {
      frigate.setTrustedProxies([]);
    }
  });
});
