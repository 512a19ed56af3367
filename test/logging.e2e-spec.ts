import { BROKEN, FRONT, T0 } from './support/fixtures';
import { AppProcess, getJson, rangeUrl, startAppProcess, waitFor } from './support/test-app';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  sessionId?: string;
  req?: { url: string };
  [key: string]: unknown;
}

/** Structured logs of the built app: JSON lines with request and session ids, and no credentials. */
describe('JSON logs (e2e, built app)', () => {
  let server: AppProcess;

  beforeAll(async () => {
    server = await startAppProcess({ LOG_LEVEL: 'info' });
  });

  afterAll(async () => server.cleanup());

  const lines = (): LogLine[] =>
    server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);

  it('writes every log line as JSON', () => {
    const output = server
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    expect(output.length).toBeGreaterThan(0);
    for (const line of output) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('logs each request once with its id (taken from X-Request-Id, echoed back) and without its token', async () => {
    const response = await fetch(`${server.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 20)}?token=secret-stream-token`, {
      headers: { 'X-Request-Id': 'req-e2e-1', Authorization: 'Bearer not-logged' },
    });
    expect(response.headers.get('x-request-id')).toBe('req-e2e-1');
    await waitFor(() => lines().some((line) => line.reqId === 'req-e2e-1' && line.msg === 'request completed'), 5000);
    const line = lines().find((entry) => entry.reqId === 'req-e2e-1' && entry.msg === 'request completed')!;
    expect(line.req!.url).toContain('token=%5Bredacted%5D');
    expect(server.output()).not.toContain('secret-stream-token');
    expect(server.output()).not.toContain('not-logged');
  });

  it('gives a request without an id a fresh one', async () => {
    const response = await fetch(`${server.baseUrl}/cameras`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('tags what happens to a session with its session id, and with the id of the request that caused it', async () => {
    const failed = await getJson(`${server.baseUrl}${rangeUrl(BROKEN.camera, T0, T0 + 10)}`, {
      headers: { 'X-Request-Id': 'req-e2e-broken' },
    });
    expect(failed.status).toBe(502);
    await waitFor(() => lines().some((line) => line.reqId === 'req-e2e-broken' && typeof line.sessionId === 'string'), 5000);
    const entry = lines().find((line) => line.reqId === 'req-e2e-broken' && line.sessionId)!;
    expect(entry.sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(entry.level).toBeGreaterThanOrEqual(40);
    // ffmpeg's exit is logged with the session id and its stderr as a field.
    expect(lines().some((line) => line.sessionId === entry.sessionId && Array.isArray(line.stderr))).toBe(true);
  });
});
