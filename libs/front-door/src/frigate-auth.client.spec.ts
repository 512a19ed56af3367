import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { FrigateAuthClient } from './frigate-auth.client';

/** A Frigate that answers /api/auth and /api/profile as told, counting the calls. */
async function frigateAnswering(
  handler: (path: string, headers: Record<string, string | string[] | undefined>) => { status: number; headers?: Record<string, string>; body?: unknown },
) {
  const calls: { path: string; cookie?: string; authorization?: string }[] = [];
  const server: Server = createServer((request, response) => {
    calls.push({ path: request.url ?? '', cookie: request.headers.cookie, authorization: request.headers.authorization });
    const answer = handler(request.url ?? '', request.headers);
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, close: () => new Promise((resolve) => server.close(resolve)) };
}

const USERS: Record<string, { username: string; role: string; allowed_cameras: string[] }> = {
  alice: { username: 'alice', role: 'porch', allowed_cameras: ['porch'] },
  bob: { username: 'bob', role: 'admin', allowed_cameras: ['porch', 'garage'] },
};
const userOf = (headers: Record<string, string | string[] | undefined>) => USERS[/frigate_token=(\w+)/.exec(String(headers.cookie ?? ''))?.[1] ?? ''];

describe('FrigateAuthClient', () => {
  let frigate: Awaited<ReturnType<typeof frigateAnswering>>;
  afterEach(async () => frigate?.close());

  it('keeps each login’s answer apart, and asks Frigate once per login within the cache time', async () => {
    frigate = await frigateAnswering((path, headers) => {
      const user = userOf(headers);
      if (!user) return { status: 401 };
      return path === '/api/auth' ? { status: 202, headers: { 'remote-user': user.username, 'remote-role': user.role } } : { status: 200, body: user };
    });
    const client = new FrigateAuthClient({ frigateUrl: frigate.url, authCacheSeconds: 60 });
    const alice = await client.authenticate({ headers: { cookie: 'frigate_token=alice' } });
    const bob = await client.authenticate({ headers: { cookie: 'frigate_token=bob' } });
    expect(alice).toMatchObject({ kind: 'allowed', user: { username: 'alice', allowedCameras: ['porch'] } });
    expect(bob).toMatchObject({ kind: 'allowed', user: { username: 'bob', allowedCameras: ['porch', 'garage'] } });
    expect(await client.authenticate({ headers: { cookie: 'frigate_token=nobody' } })).toEqual({ kind: 'denied', status: 401 });
    const before = frigate.calls.length;
    expect(await client.authenticate({ headers: { cookie: 'frigate_token=alice' } })).toMatchObject({ user: { username: 'alice' } });
    expect(await client.authenticate({ headers: { cookie: 'frigate_token=nobody' } })).toEqual({ kind: 'denied', status: 401 });
    expect(frigate.calls.length).toBe(before);
  });

  it('hands Frigate every header but hop-by-hop ones, so the role header its operator chose counts, and keys its answers on all of them', async () => {
    // Frigate in proxy mode (auth off, proxy.header_map.role: x-forwarded-role): the role is the header's.
    const roles: Record<string, string[]> = { admin: ['porch', 'garage'], garage_only: ['garage'] };
    frigate = await frigateAnswering((path, headers) => {
      const role = String(headers['x-forwarded-role'] ?? 'viewer');
      const user = { username: String(headers['x-forwarded-user'] ?? 'viewer'), role, allowed_cameras: roles[role] ?? [] };
      return path === '/api/auth' ? { status: 202, headers: { 'remote-user': user.username, 'remote-role': role } } : { status: 200, body: user };
    });
    const client = new FrigateAuthClient({ frigateUrl: frigate.url, authCacheSeconds: 60 });
    const behindProxy = (role: string) => ({ headers: { 'x-forwarded-user': 'sam', 'x-forwarded-role': role }, remoteAddress: '10.0.0.2' });
    expect(await client.authenticate(behindProxy('garage_only'))).toMatchObject({ user: { role: 'garage_only', allowedCameras: ['garage'] } });
    expect(await client.authenticate(behindProxy('admin'))).toMatchObject({ user: { role: 'admin', allowedCameras: ['porch', 'garage'] } });
    expect(await client.authenticate(behindProxy('garage_only'))).toMatchObject({ user: { role: 'garage_only', allowedCameras: ['garage'] } });
    expect(frigate.calls.filter((call) => call.path === '/api/auth')).toHaveLength(2);
  });

  it('asks again every time with the cache off', async () => {
    frigate = await frigateAnswering((path, headers) => (path === '/api/auth' ? { status: 202 } : { status: 200, body: userOf(headers) }));
    const client = new FrigateAuthClient({ frigateUrl: frigate.url, authCacheSeconds: 0 });
    await client.authenticate({ headers: { cookie: 'frigate_token=alice' } });
    await client.authenticate({ headers: { cookie: 'frigate_token=alice' } });
    expect(frigate.calls.filter((call) => call.path === '/api/auth')).toHaveLength(2);
  });

  it('hands on a cookie Frigate refreshed, once, and reads the profile with it', async () => {
    frigate = await frigateAnswering((path, headers) => {
      if (path === '/api/auth') return { status: 202, headers: { 'set-cookie': 'frigate_token=bob; Path=/; HttpOnly' } };
      return userOf(headers) ? { status: 200, body: userOf(headers) } : { status: 401 };
    });
    const client = new FrigateAuthClient({ frigateUrl: frigate.url, authCacheSeconds: 60 });
    const first = await client.authenticate({ headers: { cookie: 'theme=dark; frigate_token=old' } });
    expect(first).toMatchObject({ kind: 'allowed', user: { username: 'bob' }, setCookie: ['frigate_token=bob; Path=/; HttpOnly'] });
    expect(frigate.calls.find((call) => call.path === '/api/profile')?.cookie).toBe('theme=dark; frigate_token=bob');
    expect(await client.authenticate({ headers: { cookie: 'theme=dark; frigate_token=old' } })).toMatchObject({ setCookie: [] });
  });

  it.each([
    ['Frigate’s auth off, anonymous admin (no profile to read): every camera', 'admin', { kind: 'allowed', user: { role: 'admin', allowedCameras: 'all' } }],
    ['Frigate’s auth off, default role viewer: every camera', 'viewer', { kind: 'allowed', user: { role: 'viewer', allowedCameras: 'all' } }],
    ['a custom role without a profile: nothing (known, refused)', 'porch', { kind: 'denied', status: 403 }],
  ])('%s', async (_name, role, expected) => {
    frigate = await frigateAnswering((path) =>
      path === '/api/auth' ? { status: 202, headers: { 'remote-user': 'anonymous', 'remote-role': role } } : { status: 401 },
    );
    const client = new FrigateAuthClient({ frigateUrl: frigate.url, authCacheSeconds: 0 });
    expect(await client.authenticate({ headers: {} })).toMatchObject(expected);
  });

  it('takes an auth proxy’s redirect to its login page as "not logged in"', async () => {
    frigate = await frigateAnswering(() => ({ status: 302, headers: { location: '/login' } }));
    const client = new FrigateAuthClient({ frigateUrl: frigate.url, authCacheSeconds: 0 });
    expect(await client.authenticate({ headers: { cookie: 'frigate_token=alice' } })).toEqual({ kind: 'denied', status: 401 });
  });

  it('is a 403 where Frigate knows the caller and refuses them (its nginx hands on auth_request’s 403)', async () => {
    frigate = await frigateAnswering(() => ({ status: 403 }));
    const client = new FrigateAuthClient({ frigateUrl: frigate.url, authCacheSeconds: 0 });
    expect(await client.authenticate({ headers: { cookie: 'frigate_token=alice' } })).toEqual({ kind: 'denied', status: 403 });
  });

  it('is a 502 when Frigate does not answer', async () => {
    const client = new FrigateAuthClient({ frigateUrl: 'http://127.0.0.1:1', authCacheSeconds: 0 });
    await expect(client.authenticate({ headers: {} })).rejects.toMatchObject({ status: 502 });
  });
});
