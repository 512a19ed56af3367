import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import { FRONT, LONG, T0 } from './support/fixtures';
import { segmentName } from './support/media-playlist';
import { TestApp, ffmpegProcessesUsing, getJson, rangeUrl, startTestApp, waitFor } from './support/test-app';

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

/** MAX_USER_SHARE: one user cannot hold every encoder and process slot while another waits (e2e, real ffmpeg at real time). */
describe('fair shares of the slots (e2e)', () => {
  const SECRET = 'fair-share-e2e-secret-0123456789abcdef';
  const bearer = (sub: string) => ({
    authorization: `Bearer ${sign({ sub, role: 'viewer', exp: Math.floor(Date.now() / 1000) + 3600 }, Buffer.from(SECRET), { algorithm: 'HS256' })}`,
  });
  const alice = bearer('alice');
  const bob = bearer('bob');
  const admin = {
    authorization: `Bearer ${sign({ sub: 'admin', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 }, Buffer.from(SECRET), { algorithm: 'HS256' })}`,
  };
  let app: TestApp;
  const stop = new AbortController();

  beforeAll(async () => {
    // Two encoder slots and four process slots: a user's share is one and two. ffmpeg reads no
    // faster than real time, so a request ten segments ahead of a run waits for it ~20 s.
    app = await startTestApp({
      AUTH_DISABLED: 'false',
      JWT_SECRET: SECRET,
      MAX_CONCURRENT_TRANSCODES: '2',
      MAX_FFMPEG_PROCESSES: '4',
      FFMPEG_PATH: join(__dirname, 'support', 'realtime-ffmpeg.sh'),
    });
  });

  afterAll(async () => {
    // Only for a test that failed half-way: undici opens fresh connections after an abort, which
    // would hold the app's close until they time out.
    stop.abort();
    await app.close();
  });

  /** A session created by `headers`'s user, and its segments' URL (with its stream token). */
  async function create(headers: Record<string, string>, camera: string, start: number, end: number) {
    const answer = await getJson(`${app.baseUrl}${rangeUrl(camera, start, end)}`, { headers });
    const query = answer.status === 200 ? new URL(answer.body.playlist, app.baseUrl).search : '';
    return { ...answer, segment: (index: number) => `${app.baseUrl}/stream/transcode/${answer.body.sessionId}/${segmentName(index)}${query}` };
  }

  /** The status of a segment request, its body read (an unread answer would hold its connection past the app's close). */
  async function statusOf(url: string): Promise<number> {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  }

  /**
   * A viewer who always has a request waiting ten segments ahead of the run at `from`, so that
   * run is needed now (never preempted for idleness or lookahead), until the test ends or a
   * request is refused.
   */
  function keepWaiting(segment: (index: number) => string, from: number): Promise<number> {
    return (async () => {
      for (let index = from + 10; ; index += 10) {
        const response = await fetch(segment(index), { signal: stop.signal }).catch(() => null);
        if (!response) return 0;
        await response.arrayBuffer().catch(() => undefined);
        if (response.status !== 200) return response.status;
      }
    })();
  }

  it('one user alone takes every slot; another user still gets a session and its segments, and the first user’s further asks are 429 and 503', async () => {
    // Alice: two sessions (both encoder slots), each with a viewer at its start and one who seeked
    // twenty minutes in: four runs someone waits for, every process slot.
    const first = await create(alice, LONG.camera, T0, T0 + 1200);
    const second = await create(alice, LONG.camera, T0 + 1200, T0 + 1800);
    expect([first.status, second.status]).toEqual([200, 200]);
    const viewers: Promise<number>[] = [];
    for (const session of [first, second]) {
      viewers.push(keepWaiting(session.segment, 0));
      expect(await statusOf(session.segment(200))).toBe(200);
      viewers.push(keepWaiting(session.segment, 200));
    }
    await waitFor(async () => (await ffmpegProcessesUsing(app.transcodeDir)).length === 4, 10_000);

    // Bob: a session (an encoder slot beyond Alice's share) and its segments (a process slot
    // taken from Alice's runs, the largest holder, though her viewers wait for them).
    const bobs = await create(bob, FRONT.camera, T0, T0 + 50);
    expect(bobs.status).toBe(200);
    for (const index of [1, 2]) expect(await statusOf(bobs.segment(index))).toBe(200);
    // Alice's viewer whose run went to Bob was refused, with the others still waiting.
    expect(await Promise.race([...viewers, new Promise((resolve) => setTimeout(() => resolve('all waiting'), 20_000))])).toBe(503);
    expect((await ffmpegProcessesUsing(app.transcodeDir)).length).toBeLessThanOrEqual(4);

    // Alice, over her share of both: a new range is 429, a seek 503, each with Retry-After.
    const more = await create(alice, LONG.camera, T0 + 100, T0 + 700);
    expect(more.status).toBe(429);
    expect(Number(more.headers.get('retry-after'))).toBeGreaterThan(0);
    const seek = await fetch(first.segment(500));
    expect(seek.status).toBe(503);
    expect(Number(seek.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await seek.json()).toEqual({ success: false, message: expect.stringMatching(/MAX_FFMPEG_PROCESSES/) });
    // Bob's viewer plays on.
    expect(await statusOf(bobs.segment(3))).toBe(200);

    // Alice's sessions end (her viewers' waits with them), so nothing is left waiting.
    for (const session of [first, second]) {
      expect((await getJson(`${app.baseUrl}/transcode/${session.body.sessionId}`, { method: 'DELETE', headers: admin })).status).toBe(200);
    }
    expect(await Promise.all(viewers)).toEqual(expect.arrayContaining([503, 404]));
  }, 180_000);
});
