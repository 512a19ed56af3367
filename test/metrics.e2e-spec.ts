import { sign } from 'jsonwebtoken';
import { StaleSessionCleanupJob } from '../libs/transcode/src/sessions/stale-session-cleanup.job';
import { BROKEN, FRONT, LONG, T0 } from './support/fixtures';
import { sample } from './support/prometheus';
import { TestApp, getJson, rangeUrl, startTestApp, waitFor } from './support/test-app';

/** GET /metrics after real sessions: each metric moves with what it counts. */
describe('Prometheus metrics (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ MAX_CONCURRENT_TRANSCODES: '1', TRANSCODE_TTL_SECONDS: '1', LOOKAHEAD_SECONDS: '600' });
  });

  afterAll(async () => app.close());

  const metrics = async () => {
    const response = await fetch(`${app.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return response.text();
  };

  it('starts at zero and exposes Node process metrics', async () => {
    const text = await metrics();
    expect(sample(text, 'nvr_transcoder_ffmpeg_starts_total', 'encoder="libx264"')).toBe(0);
    expect(sample(text, 'nvr_transcoder_sessions', 'state="encoding"')).toBe(0);
    expect(text).toContain('nvr_transcoder_process_resident_memory_bytes');
  });

  it('counts sessions, ffmpeg starts and restarts, time to first segment, encode speed and bytes on disk', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
    expect(created.status).toBe(200);
    // A seek: a restart.
    expect((await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_00200.ts`)).status).toBe(200);
    // ffmpeg reports progress twice a second: wait for a speed sample.
    await waitFor(async () => sample(await metrics(), 'nvr_transcoder_encode_speed_ratio_count') > 0, 10_000);
    const text = await metrics();
    expect(sample(text, 'nvr_transcoder_sessions', 'state="encoding"') + sample(text, 'nvr_transcoder_sessions', 'state="paused"')).toBe(1);
    expect(sample(text, 'nvr_transcoder_ffmpeg_starts_total', 'encoder="libx264"')).toBe(2);
    expect(sample(text, 'nvr_transcoder_ffmpeg_restarts_total', 'encoder="libx264"')).toBe(1);
    expect(sample(text, 'nvr_transcoder_time_to_first_segment_seconds_count')).toBe(1);
    expect(sample(text, 'nvr_transcoder_time_to_first_segment_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'nvr_transcoder_encode_speed_ratio_sum')).toBeGreaterThan(0);
    expect(sample(text, 'nvr_transcoder_transcode_dir_bytes')).toBeGreaterThan(10_000);
  });

  it('counts 429s', async () => {
    const refused = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 20)}`);
    expect(refused.status).toBe(429);
    expect(sample(await metrics(), 'nvr_transcoder_rejected_sessions_total', 'reason="concurrency_limit"')).toBe(1);
  });

  it('counts deletions, ffmpeg failures and cleanup removals', async () => {
    const { body } = await getJson(`${app.baseUrl}/transcode/sessions`);
    await fetch(`${app.baseUrl}/transcode/${body.sessions[0].sessionId}`, { method: 'DELETE' });
    expect((await getJson(`${app.baseUrl}${rangeUrl(BROKEN.camera, T0, T0 + 10)}`)).status).toBe(502);
    const stale = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 20)}`);
    expect(stale.status).toBe(200);
    // Past the 1 s TTL, the cron job's run removes it.
    await waitFor(
      async () => {
        await app.app.get(StaleSessionCleanupJob).run();
        return sample(await metrics(), 'nvr_transcoder_sessions_removed_total', 'reason="stale"') === 1;
      },
      10_000,
      250,
    );
    const text = await metrics();
    expect(sample(text, 'nvr_transcoder_sessions_removed_total', 'reason="deleted"')).toBe(1);
    expect(sample(text, 'nvr_transcoder_sessions_removed_total', 'reason="failed"')).toBe(1);
    expect(sample(text, 'nvr_transcoder_ffmpeg_failures_total', 'encoder="libx264"')).toBe(1);
    expect(sample(text, 'nvr_transcoder_transcode_dir_bytes')).toBe(0);
  });
});

describe('/metrics with auth on (e2e)', () => {
  const SECRET = 'metrics-e2e-jwt-secret-of-32-characters';
  const METRICS_TOKEN = 'metrics-e2e-scrape-token-of-32-characters';
  let app: TestApp;
  const login = (role: string) => sign({ sub: `${role}-user`, role, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET, { algorithm: 'HS256' });
  const scrape = (authorization?: string) => getJson(`${app.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    app = await startTestApp({ AUTH_DISABLED: 'false', JWT_SECRET: SECRET, METRICS_TOKEN });
  });

  afterAll(async () => app.close());

  it.each([
    ['nobody', 401, undefined],
    ['a viewer', 403, `Bearer ${login('viewer')}`],
    ['a bearer that is not the METRICS_TOKEN', 401, `Bearer ${METRICS_TOKEN.slice(0, -1)}x`],
    ['the METRICS_TOKEN as Basic, not bearer', 401, `Basic ${Buffer.from(`prometheus:${METRICS_TOKEN}`).toString('base64')}`],
  ])('refuses %s with a JSON %i', async (_who, status, authorization) => {
    const answer = await scrape(authorization);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ success: false, message: expect.any(String) });
    expect(JSON.stringify(answer.body)).not.toContain('nvr_transcoder_');
  });

  it.each([
    ['Prometheus with the METRICS_TOKEN', `Bearer ${METRICS_TOKEN}`],
    ['an admin', `Bearer ${login('admin')}`],
  ])('serves %s', async (_who, authorization) => {
    const answer = await scrape(authorization);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(answer.body).toContain('nvr_transcoder_sessions');
  });
});

describe('/health while shutting down (e2e)', () => {
  it('answers 503 from the moment shutdown begins, while requests are still served during the drain', async () => {
    const app = await startTestApp({ SHUTDOWN_DRAIN_SECONDS: '2' });
    expect((await getJson(`${app.baseUrl}/health`)).status).toBe(200);
    const closing = app.close();
    try {
      await waitFor(async () => (await getJson(`${app.baseUrl}/health`)).status === 503, 1500, 20);
      const health = await getJson(`${app.baseUrl}/health`);
      expect(health.body).toMatchObject({ success: false, message: 'Shutting down' });
      // Still serving during the drain.
      expect((await getJson(`${app.baseUrl}/cameras`)).status).toBe(200);
    } finally {
      await closing;
    }
  });
});
