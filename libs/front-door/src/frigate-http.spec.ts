import { forwardedHeaders } from './frigate-http';

describe('forwardedHeaders', () => {
  const names = (headers: [string, string][]) => headers.map(([name]) => name);

  it('hands on every header of the request, the role header an operator chose included, in name order', () => {
    const headers = forwardedHeaders({
      headers: { host: 'door:8972', cookie: 'frigate_token=t', 'x-forwarded-role': 'garage_only', 'user-agent': 'HA', 'x-custom-auth': 'v' },
    });
    expect(Object.fromEntries(headers)).toEqual({
      cookie: 'frigate_token=t',
      'x-forwarded-role': 'garage_only',
      'user-agent': 'HA',
      'x-custom-auth': 'v',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'door:8972',
    });
    expect(names(headers)).toEqual([...names(headers)].sort());
  });

  it.each([
    [
      'hop-by-hop headers',
      { connection: 'keep-alive', 'keep-alive': 'timeout=5', te: 'trailers', trailer: 'x', 'transfer-encoding': 'chunked', upgrade: 'websocket' },
    ],
    ['headers the Connection header names', { connection: 'close, X-Hop', 'x-hop': '1' }],
    ['proxy-* headers', { 'proxy-authorization': 'Basic x', 'proxy-connection': 'keep-alive' }],
    ['what fetch sets itself', { host: 'door', 'content-length': '0', expect: '100-continue', 'accept-encoding': 'gzip' }],
    [
      'which bytes or version of a resource is wanted (a Range would cut /api/profile)',
      { range: 'bytes=0-1', 'if-none-match': '"x"', 'if-modified-since': 'x', 'if-range': 'x' },
    ],
    ['nginx’s own X-Server-Port (Frigate’s /auth takes its internal port for an admin)', { 'x-server-port': '5000' }],
  ])('drops %s', (_name, dropped) => {
    const headers = forwardedHeaders({ headers: { ...dropped, cookie: 'c' } });
    for (const name of Object.keys(dropped)) if (name !== 'host') expect(names(headers)).not.toContain(name);
    expect(names(headers)).toContain('cookie');
  });

  it.each([
    ['none yet', undefined, '203.0.113.7'],
    ['a proxy’s in front (or a client’s own claim, which is then never the last word)', '198.51.100.1', '198.51.100.1, 203.0.113.7'],
  ])('appends the client’s address to X-Forwarded-For: %s', (_name, before, after) => {
    const headers = Object.fromEntries(
      forwardedHeaders({ headers: before ? { 'x-forwarded-for': before } : {}, remoteAddress: '203.0.113.7', encrypted: true }),
    );
    expect(headers['x-forwarded-for']).toBe(after);
    expect(headers['x-forwarded-proto']).toBe('https');
  });

  it('gives requests that differ only in one header different lists (the auth cache’s key)', () => {
    const as = (role: string) =>
      JSON.stringify(forwardedHeaders({ headers: { 'x-forwarded-user': 'sam', 'x-forwarded-role': role }, remoteAddress: '10.0.0.2' }));
    expect(as('admin')).not.toBe(as('garage_only'));
    expect(as('admin')).toBe(as('admin'));
  });
});
