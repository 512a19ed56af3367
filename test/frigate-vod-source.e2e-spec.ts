import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACK, FRONT, T0 } from './support/fixtures';
import { decodeErrors, probeStreams } from './support/ffprobe';
import { FrigateVodServer, UPSTREAM_SEGMENT_SECONDS, startFrigateVodServer } from './support/frigate-vod-server';
import { TestApp, getJson, rangeUrl, startTestApp } from './support/test-app';

/**
 * RECORDINGS_SOURCE=frigate-vod: the recordings come from Frigate's VOD stream (fMP4 HLS) over
 * HTTP, served here by a real server that packages the fixtures the way Frigate's nginx-vod does.
 */
describe('Frigate VOD stream as the recordings source (e2e)', () => {
  let upstream: FrigateVodServer;
  let app: TestApp;
  let scratch: string;

  beforeAll(async () => {
    upstream = await startFrigateVodServer([FRONT.camera, BACK.camera]);
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-vod-segments-'));
    app = await startTestApp({
      RECORDINGS_SOURCE: 'frigate-vod',
      FRIGATE_VOD_URL: upstream.vodUrlTemplate,
      // The folder source would find every fixture camera; this one must not be read.
      RECORDINGS_DIR: join(scratch, 'empty'),
    });
  });

  afterAll(async () => {
    await app?.close();
    await upstream?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  afterEach(() => upstream.failWith(null));

  async function fetchSegment(sessionId: string, index: number): Promise<string> {
    const name = `seg_${String(index).padStart(5, '0')}.ts`;
    const response = await fetch(`${app.baseUrl}/stream/transcode/${sessionId}/${name}`);
    expect(response.status).toBe(200);
    const path = join(scratch, `${sessionId}-${name}`);
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    return path;
  }

  it('lists the cameras of Frigate’s /api/config', async () => {
    const cameras = await getJson(`${app.baseUrl}/cameras`);
    expect(cameras.status).toBe(200);
    expect(cameras.body.cameras).toEqual([BACK.camera, FRONT.camera].sort());
  });

  it('transcodes a range read from the upstream fMP4 playlist: its duration, H.264 segments that decode cleanly', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 30)}`);
    expect(created.status).toBe(200);
    // The duration is the upstream playlist's (three 10 s recordings).
    expect(created.body.durationSeconds).toBeCloseTo(30, 1);
    expect(upstream.requests).toContain(`/vod/${BACK.camera}/start/${T0}/end/${T0 + 30}/index.m3u8`);
    for (const index of [0, 1]) {
      const path = await fetchSegment(created.body.sessionId, index);
      const video = (await probeStreams(path)).find((stream) => stream.codec_type === 'video')!;
      expect(video.codec_name).toBe('h264');
      expect(await decodeErrors(path)).toBe('');
    }
  });

  it('starts a seek at the upstream segment that holds it, not at the beginning of the range', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 60)}`);
    expect(created.status).toBe(200);
    const base = `/vod/${FRONT.camera}/start/${T0}/end/${T0 + 60}/`;
    // Segment 25 starts at 1 + 24 × 2 = 49 s of the range: inside upstream segment 12 (48–52 s).
    const before = upstream.requests.length;
    const path = await fetchSegment(created.body.sessionId, 25);
    expect(await decodeErrors(path)).toBe('');
    const fetched = upstream.requests
      .slice(before)
      .filter((request) => request.startsWith(base) && request.endsWith('.m4s'))
      .map((request) => Number(/seg-(\d+)\.m4s$/.exec(request)![1]));
    const holding = Math.floor(49 / UPSTREAM_SEGMENT_SECONDS);
    expect(fetched[0]).toBe(holding);
    expect(Math.min(...fetched)).toBe(holding);
  });

  it('answers 404 for a camera Frigate does not know, and for a range without recordings', async () => {
    expect((await getJson(`${app.baseUrl}${rangeUrl('garage', T0, T0 + 30)}`)).status).toBe(404);
    const empty = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0 - 7200, T0 - 7000)}`);
    expect(empty.status).toBe(404);
    expect(empty.body).toEqual({ success: false, message: expect.stringContaining('No recordings') });
  });

  it('answers a clear 502 when the upstream fails, without its internal address', async () => {
    upstream.failWith(500);
    const failed = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0 + 10, T0 + 20)}`);
    expect(failed.status).toBe(502);
    expect(failed.body).toEqual({ success: false, message: expect.stringContaining('HTTP 500') });
    expect(failed.body.message).toContain('Frigate');
    expect(failed.body.message).not.toContain('127.0.0.1');
  });

  it('shows the timeline from Frigate’s recordings API, gaps included', async () => {
    const answer = await getJson(`${app.baseUrl}/cameras/${FRONT.camera}/recordings?after=${T0}&before=${T0 + 120}`);
    expect(answer.status).toBe(200);
    // FRONT has 6 files, a 30 s gap, then 3 more.
    expect(answer.body.spans).toEqual([
      { start: T0, end: T0 + 60 },
      { start: T0 + 90, end: T0 + 120 },
    ]);
    expect(answer.body.gaps).toEqual([{ start: T0 + 60, end: T0 + 90 }]);
  });

  it('reports an unreachable Frigate as a red health check and a 502', async () => {
    const closed = await startFrigateVodServer([]);
    const template = closed.vodUrlTemplate;
    await closed.close();
    const isolated = await startTestApp({
      RECORDINGS_SOURCE: 'frigate-vod',
      FRIGATE_VOD_URL: template,
      RECORDINGS_DIR: join(scratch, 'empty'),
    });
    try {
      const health = await getJson(`${isolated.baseUrl}/health`);
      expect(health.status).toBe(503);
      expect(health.body.error.recordings.message).toContain('does not answer');
      const created = await getJson(`${isolated.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 10)}`);
      expect(created.status).toBe(502);
      expect(created.body.message).toContain('could not be fetched');
    } finally {
      await isolated.close();
    }
  });
});
