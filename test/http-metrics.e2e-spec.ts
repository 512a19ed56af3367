import { join } from 'node:path';
import { BACK, FRONT, T0 } from './support/fixtures';
import { FakeFrigate, startFakeFrigate } from './support/fake-frigate';
import { freePort } from './support/net';
import { sample, scrapeMetrics } from './support/prometheus';
import { TestApp, getJson, rangeUrl, startTestApp, waitFor } from './support/test-app';

const STALLING_FFMPEG = join(__dirname, 'support', 'stalling-ffmpeg.sh');
const ADMIN = 'admin-token';
const REQUESTS = 'nvr_transcoder_http_requests_total';
const UNKNOWN_SESSION = '0123456789abcdef0123456789abcdef';

/** Every series of the HTTP request counter but /metrics' own (each scrape adds one): `route method status` → count. */
function requestCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^nvr_transcoder_http_requests_total\{route="([^"]*)",method="([^"]*)",status="([^"]*)"\} (\S+)$/.exec(line);
    if (match && match[1] !== 'metrics') counts.set(`${match[1]} ${match[2]} ${match[3]}`, Number(match[4]));
  }
  return counts;
}

/** What moved between two readings of the counter, as `route method status` → increase. */
function increases(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const [series, count] of after) if (count !== (before.get(series) ?? 0)) moved[series] = count - (before.get(series) ?? 0);
  return moved;
}

/**
 * nvr_transcoder_http_requests_total and the segment wait histogram after real requests: each
 * answer counted once, under its route, method and status, whichever code answered it (the
 * fast path of ready segments, Nest's router, the front door's /vod and its proxy to Frigate);
 * and the gauges of the disk ceiling, the hardware encoder and the cluster.
 */
describe('HTTP request and segment wait metrics (e2e, real HTTP and ffmpeg, a stand-in Frigate)', () => {
  let frigate: FakeFrigate;
  let app: TestApp;
  let door: string;

  async function startDoor(env: Record<string, string> = {}): Promise<{ app: TestApp; door: string }> {
    const port = await freePort();
    const started = await startTestApp({ FRONT_DOOR_PORT: String(port), FRIGATE_URL: frigate.origin, ...env });
    return { app: started, door: `http://127.0.0.1:${port}` };
  }
  const viaDoor = (base: string, path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { cookie: `frigate_token=${ADMIN}` } });

  beforeAll(async () => {
    frigate = await startFakeFrigate({
      cameras: [FRONT.camera, BACK.camera],
      users: { [ADMIN]: { username: 'admin', role: 'admin', allowedCameras: [FRONT.camera, BACK.camera] } },
    });
    ({ app, door } = await startDoor({ TRANSCODE_MAX_DISK_MB: '300' }));
  });

  afterAll(async () => {
    await app?.close();
    await frigate?.close();
  });

  it('counts each answer once under its route, method and status: the fast path’s segment, a playlist, a 404, a 400, a proxied request', async () => {
    const before = requestCounts(await scrapeMetrics(app.baseUrl));
    const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 20)}`);
    expect(created.status).toBe(200);
    const ready = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_00000.ts`);
    expect(ready.status).toBe(200);
    // Answered by the fast path, ahead of the request log that echoes X-Request-Id.
    expect(ready.headers.get('x-request-id')).toBeNull();
    await ready.arrayBuffer();
    expect((await fetch(`${app.baseUrl}${created.body.playlist}`)).status).toBe(200);
    expect((await fetch(`${app.baseUrl}/stream/transcode/${UNKNOWN_SESSION}/seg_00000.ts`)).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/transcode/${UNKNOWN_SESSION}`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${app.baseUrl}${rangeUrl(FRONT.camera, T0 + 20, T0 + 10)}`)).status).toBe(400);
    const proxied = await viaDoor(door, '/api/config');
    await proxied.arrayBuffer();

    const expected = {
      'session_api GET 200': 1,
      'segment GET 200': 1,
      'playlist GET 200': 1,
      'segment GET 404': 1,
      'session_api DELETE 404': 1,
      'session_api GET 400': 1,
      [`front_door_proxy GET ${proxied.status}`]: 1,
    };
    // An answer is counted once it is wholly handed to the socket: a moment after the client may have it.
    await waitFor(async () => JSON.stringify(increases(before, requestCounts(await scrapeMetrics(app.baseUrl)))) === JSON.stringify(expected), 10_000);
    expect(increases(before, requestCounts(await scrapeMetrics(app.baseUrl)))).toEqual(expected);
    // The create waited for its first segment; the fast path's segment was ready and waited for nothing.
    const text = await scrapeMetrics(app.baseUrl);
    expect(sample(text, 'nvr_transcoder_segment_wait_seconds_count', 'outcome="served"')).toBe(1);
    expect(sample(text, 'nvr_transcoder_segment_wait_seconds_count', 'outcome="timeout"')).toBe(0);
  });

  it('counts /metrics itself, and never a raw URL as a route', async () => {
    const text = await scrapeMetrics(app.baseUrl);
    expect(sample(text, REQUESTS, 'route="metrics",method="GET",status="200"')).toBeGreaterThan(0);
    expect(text).not.toContain(UNKNOWN_SESSION);
    expect(text).not.toContain(`route="/`);
  });

  it('says the disk ceiling (TRANSCODE_MAX_DISK_MB in bytes), a software node that is not degraded, and one node without a cluster', async () => {
    const text = await scrapeMetrics(app.baseUrl);
    expect(sample(text, 'nvr_transcoder_transcode_dir_limit_bytes')).toBe(300 * 1024 * 1024);
    expect(text).toMatch(/^nvr_transcoder_hardware_encoder_degraded 0$/m);
    expect(sample(text, 'nvr_transcoder_cluster_nodes')).toBe(1);
  });

  it('through the front door, with an encoder that never writes: a segment its viewer gave up on is aborted and withdrawn, the next one a 504 and a timed-out wait', async () => {
    const stalled = await startDoor({ FFMPEG_PATH: STALLING_FFMPEG, SEGMENT_WAIT_TIMEOUT_SECONDS: '2' });
    try {
      const metrics = () => scrapeMetrics(stalled.app.baseUrl);
      const base = `/vod/${BACK.camera}/start/${T0}/end/${T0 + 30}`;
      expect((await viaDoor(stalled.door, `${base}/index.m3u8`)).status).toBe(200);

      const viewer = new AbortController();
      const abandoned = viaDoor(stalled.door, `${base}/seg_00000.ts`, { signal: viewer.signal }).catch((error: unknown) => (error as { name?: string }).name);
      // The request is in: its session is starting its run.
      await waitFor(async () => sample(await metrics(), 'nvr_transcoder_sessions', 'state="starting"') === 1, 10_000);
      viewer.abort();
      expect(await abandoned).toBe('AbortError');
      await waitFor(async () => sample(await metrics(), REQUESTS, 'route="front_door",method="GET",status="aborted"') === 1, 10_000);
      await waitFor(async () => sample(await metrics(), 'nvr_transcoder_segment_wait_seconds_count', 'outcome="withdrawn"') === 1, 10_000);

      expect((await viaDoor(stalled.door, `${base}/seg_00000.ts`)).status).toBe(504);
      await waitFor(async () => sample(await metrics(), REQUESTS, 'route="front_door",method="GET",status="504"') === 1, 10_000);
      const text = await metrics();
      expect(sample(text, REQUESTS, 'route="front_door",method="GET",status="200"')).toBe(1);
      expect(sample(text, 'nvr_transcoder_segment_wait_seconds_count', 'outcome="timeout"')).toBe(1);
      // It waited the whole SEGMENT_WAIT_TIMEOUT_SECONDS, as the service's own clock measures it.
      expect(sample(text, 'nvr_transcoder_segment_wait_seconds_sum', 'outcome="timeout"')).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'nvr_transcoder_segment_wait_seconds_count', 'outcome="served"')).toBe(0);
    } finally {
      await stalled.app.close();
    }
  });
});
