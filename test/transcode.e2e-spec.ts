import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACK, CLIP_SECONDS, FIXTURE_HEIGHT, FIXTURE_WIDTH, FRONT, LONG, T0 } from './support/fixtures';
import { probeStreams } from './support/ffprobe';
import { TestApp, ffmpegProcessesUsing, getJson, rangeUrl, startTestApp } from './support/test-app';

/** Create, play, inspect and stop sessions against the real app over HTTP with real ffmpeg. */
describe('transcode sessions (e2e)', () => {
  let app: TestApp;
  let scratch: string;

  beforeAll(async () => {
    // 180 px: below the fixtures' 240, so the test also proves the downscale.
    app = await startTestApp({ OUTPUT_MAX_HEIGHT: '180', MAX_CONCURRENT_TRANSCODES: '4' });
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-segments-'));
  });

  afterAll(async () => {
    await app.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function fetchSegment(playlistUrl: string, name: string): Promise<{ path: string; type: string | null }> {
    const response = await fetch(new URL(name, `${app.baseUrl}${playlistUrl}`));
    expect(response.status).toBe(200);
    const path = join(scratch, `${Math.random().toString(36).slice(2)}.ts`);
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    return { path, type: response.headers.get('content-type') };
  }

  it('answers with a playlist URL once the first segment is playable, and serves H.264 yuv420p segments no taller than OUTPUT_MAX_HEIGHT', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0 + 5, T0 + 25)}`);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ success: true, sessionId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(created.body.playlist).toBe(`/stream/transcode/${created.body.sessionId}/master.m3u8`);
    expect(created.body.durationSeconds).toBeCloseTo(20, 3);

    const playlist = await fetch(`${app.baseUrl}${created.body.playlist}`);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    const text = await playlist.text();
    expect(text.startsWith('#EXTM3U\n')).toBe(true);
    const first = /^(seg_\d{5}\.ts)$/m.exec(text)?.[1];
    expect(first).toBe('seg_00000.ts');

    const segment = await fetchSegment(created.body.playlist, first!);
    expect(segment.type).toContain('video/mp2t');
    const streams = await probeStreams(segment.path);
    const video = streams.find((s) => s.codec_type === 'video')!;
    expect(video.codec_name).toBe('h264');
    expect(video.pix_fmt).toBe('yuv420p');
    expect(video.height).toBe(180);
    expect(video.width).toBe((FIXTURE_WIDTH * 180) / FIXTURE_HEIGHT);
    expect(video.level).toBeLessThanOrEqual(41);
    expect(['Constrained Baseline', 'Baseline', 'Main', 'High']).toContain(video.profile);
    expect(streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
  });

  it('cuts segments on the configured length (forced keyframes): every segment file is the 2 s the playlist says', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 30)}`);
    expect(created.status).toBe(200);
    const text = await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text();
    const durations = [...text.matchAll(/^#EXTINF:([\d.]+),$/gm)].map((m) => Number(m[1]));
    // A 1 s first segment (the wait before anything plays), then 2 s ones, the rest at the end.
    expect(durations).toEqual([1, ...Array(14).fill(2), 1]);
    for (const [index, expected] of [
      [0, 1],
      [7, 2],
      [14, 2],
    ]) {
      const segment = await fetchSegment(created.body.playlist, `seg_${String(index).padStart(5, '0')}.ts`);
      const { execFileSync } = await import('node:child_process');
      const seconds = Number(
        execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=duration', '-of', 'csv=p=0', segment.path])
          .toString()
          .split('\n')
          .find((line) => line.trim() !== ''),
      );
      // x264's own GOP would give 16.7 s segments at 15 fps.
      expect(seconds).toBeCloseTo(expected, 1);
    }
  });

  it('transcodes a camera without audio into video-only segments', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 10)}`);
    expect(created.status).toBe(200);
    const segment = await fetchSegment(created.body.playlist, 'seg_00000.ts');
    const streams = await probeStreams(segment.path);
    expect(streams.map((s) => s.codec_type)).toEqual(['video']);
  });

  it('collapses a gap in the recordings into one continuous timeline', async () => {
    // FRONT has files for slots 0-5 and 9-11: 60 s, a 30 s gap, 30 s.
    const start = T0 + 50;
    const end = T0 + (FRONT.slots - 1) * CLIP_SECONDS;
    const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, start, end)}`);
    expect(created.status).toBe(200);
    expect(created.body.durationSeconds).toBeCloseTo(10 + 20, 3);
  });

  it('gives the same session for the same camera and range', async () => {
    const url = `${app.baseUrl}${rangeUrl(BACK.camera, T0 + 1, T0 + 11)}`;
    const [a, b] = [await getJson(url), await getJson(url)];
    expect(a.body.sessionId).toBe(b.body.sessionId);
    const other = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0 + 2, T0 + 11)}`);
    expect(other.body.sessionId).not.toBe(a.body.sessionId);
  });

  it.each([
    ['a camera name with invalid characters', '/transcode/front.door/start/1700000000/end/1700000010', /camera/],
    ['a traversal in the camera name', '/transcode/..%2F..%2Fetc/start/1700000000/end/1700000010', /camera/],
    ['a non-numeric start', '/transcode/front/start/abc/end/1700000010', /start/],
    ['NaN', '/transcode/front/start/NaN/end/1700000010', /start/],
    ['Infinity', '/transcode/front/start/1700000000/end/Infinity', /end/],
    ['an exponent form', '/transcode/front/start/1.7e9/end/1700000010', /start/],
    ['a negative timestamp', '/transcode/front/start/-5/end/1700000010', /start/],
    ['end equal to start', '/transcode/front/start/1700000000/end/1700000000', /end must be after start/],
    ['end before start', '/transcode/front/start/1700000010/end/1700000000', /end must be after start/],
    ['a range longer than MAX_RANGE_SECONDS', '/transcode/front/start/1700000000/end/1700030000', /longer than the maximum of 21600/],
    ['a malformed session id on DELETE', '/transcode/not-a-session', /sessionId/, 'DELETE'],
    ['a malformed session id on the stream route', '/stream/transcode/XYZ/master.m3u8', /sessionId/],
    ['a file name outside the strict format', '/stream/transcode/0123456789abcdef0123456789abcdef/..%2Fsources.ffconcat', /fileName/],
    ['an unexpected segment name', '/stream/transcode/0123456789abcdef0123456789abcdef/seg_1.ts', /fileName/],
  ])('answers 400 with a JSON message for %s', async (_name, path, message, method = 'GET') => {
    const { status, body } = await getJson(`${app.baseUrl}${path}`, { method });
    expect(status).toBe(400);
    expect(body.success).toBe(false);
    expect(body.message).toMatch(message);
  });

  it.each([
    ['an unknown camera', rangeUrl('nosuchcamera', T0, T0 + 10), /Unknown camera 'nosuchcamera'/],
    ['a range without recordings', rangeUrl(FRONT.camera, T0 + 65, T0 + 85), /No recordings/],
    ['an unknown session', '/stream/transcode/0123456789abcdef0123456789abcdef/master.m3u8', /No such transcode session/],
  ])('answers 404 with a JSON message for %s', async (_name, path, message) => {
    const { status, body } = await getJson(`${app.baseUrl}${path}`);
    expect(status).toBe(404);
    expect(body).toEqual({ success: false, message: expect.stringMatching(message) });
  });

  it('answers 404 for a segment beyond the end of the range', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 20)}`);
    const { status, body } = await getJson(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_99999.ts`);
    expect(status).toBe(404);
    expect(body.message).toMatch(/seg_99999\.ts/);
  });

  it('DELETE stops ffmpeg, removes the session folder, and the session is gone', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 1200)}`);
    expect(created.status).toBe(200);
    const dir = join(app.transcodeDir, created.body.sessionId);
    expect(existsSync(dir)).toBe(true);
    expect(await ffmpegProcessesUsing(dir)).toHaveLength(1);

    const deleted = await getJson(`${app.baseUrl}/transcode/${created.body.sessionId}`, { method: 'DELETE' });
    expect(deleted).toMatchObject({ status: 200, body: { success: true } });
    expect(existsSync(dir)).toBe(false);
    expect(await ffmpegProcessesUsing(dir)).toEqual([]);
    const after = await getJson(`${app.baseUrl}${created.body.playlist}`);
    expect(after.status).toBe(404);
    const again = await getJson(`${app.baseUrl}/transcode/${created.body.sessionId}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
  });

  it('documents every route and its error answers in OpenAPI, with Swagger UI at /docs', async () => {
    const { status, body } = await getJson(`${app.baseUrl}/docs-json`);
    expect(status).toBe(200);
    const create = body.paths['/transcode/{camera}/start/{start}/end/{end}'].get;
    expect(Object.keys(create.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '502', '503', '504', '507']);
    expect(Object.keys(body.paths['/transcode/{sessionId}'].delete.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
    expect(Object.keys(body.paths['/stream/transcode/{sessionId}/{fileName}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '410']),
    );
    expect(body.paths['/health']).toBeDefined();
    expect(body.paths['/metrics']).toBeDefined();
    const ui = await fetch(`${app.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });

  it('reports healthy on /health when ffmpeg runs and both folders are usable', async () => {
    const { status, body } = await getJson(`${app.baseUrl}/health`);
    expect(status).toBe(200);
    expect(body.details).toMatchObject({
      ffmpeg: { status: 'up' },
      transcode_dir: { status: 'up' },
      recordings: { status: 'up' },
    });
  });
});
