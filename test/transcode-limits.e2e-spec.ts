import { LONG, T0 } from './support/fixtures';
import { TestApp, ffmpegProcessesUsing, getJson, rangeUrl, startTestApp } from './support/test-app';

/** One session per range however many ask at once, and a hard cap on concurrent encoders. */
describe('deduplication and the concurrency limit (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    // A lookahead longer than the ranges: encoders keep encoding, none pauses out of the count.
    app = await startTestApp({ MAX_CONCURRENT_TRANSCODES: '1', LOOKAHEAD_SECONDS: '7200' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('gives 50 simultaneous identical requests one session and one ffmpeg', async () => {
    // 20 minutes of footage: ffmpeg is still encoding when the answers are in.
    const url = `${app.baseUrl}${rangeUrl(LONG.camera, T0 + 100, T0 + 1300)}`;
    const answers = await Promise.all(Array.from({ length: 50 }, () => getJson(url)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((a) => a.body.sessionId)).size).toBe(1);
    expect(await ffmpegProcessesUsing(app.transcodeDir)).toHaveLength(1);
    const sessions = await getJson(`${app.baseUrl}/transcode/sessions`);
    expect(sessions.body.sessions).toHaveLength(1);
  });

  it('answers 429 with Retry-After when MAX_CONCURRENT_TRANSCODES ffmpeg processes run, and admits again after a stop', async () => {
    const busy = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0 + 100, T0 + 1300)}`);
    expect(busy.status).toBe(200);
    expect(await ffmpegProcessesUsing(app.transcodeDir)).toHaveLength(1);

    const refused = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ success: false, message: expect.stringMatching(/Too many concurrent transcodes \(limit 1\)/) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Joining the running session is not a new transcode and is still allowed.
    expect((await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0 + 100, T0 + 1300)}`)).status).toBe(200);

    await getJson(`${app.baseUrl}/transcode/${busy.body.sessionId}`, { method: 'DELETE' });
    const admitted = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
    expect(admitted.status).toBe(200);
  });
});
