import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACK, BROKEN, FRONT, T0 } from './support/fixtures';
import { decodeErrors, probeStreams } from './support/ffprobe';
import { sample, scrapeMetrics } from './support/prometheus';
import { TestApp, getJson, rangeUrl, startTestApp } from './support/test-app';

/**
 * FFMPEG_HWACCEL with a GPU that is not there: the real ffmpeg fails to open the device, the
 * session goes on with libx264, and /health says the hardware encoder is degraded and why.
 */
describe('hardware encoder that fails to start (e2e)', () => {
  let app: TestApp;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-hwaccel-'));
    // A render node that does not exist: ffmpeg's VAAPI device creation fails at once.
    app = await startTestApp({ FFMPEG_HWACCEL: 'preset-vaapi', FFMPEG_HWACCEL_DEVICE: '/dev/dri/renderD250' });
  });

  afterAll(async () => {
    await app.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('reports the configured VAAPI encoder as healthy before anything failed', async () => {
    const health = await getJson(`${app.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.body.info.encoder).toEqual({ status: 'up', hwaccel: 'vaapi', encoder: 'h264_vaapi', degraded: false });
    expect(await scrapeMetrics(app.baseUrl)).toMatch(/^nvr_transcoder_hardware_encoder_degraded 0$/m);
  });

  it('a broken recording is a 502 in software too, and is not blamed on the hardware', async () => {
    const failed = await getJson(`${app.baseUrl}${rangeUrl(BROKEN.camera, T0, T0 + 10)}`);
    expect(failed.status).toBe(502);
    expect((await getJson(`${app.baseUrl}/health`)).body.info.encoder.degraded).toBe(false);
    expect(await scrapeMetrics(app.baseUrl)).toMatch(/^nvr_transcoder_hardware_encoder_degraded 0$/m);
  });

  it('retries in software, serves clean H.264, and /health reports the degradation with ffmpeg’s reason', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 20)}`);
    expect(created.status).toBe(200);
    const response = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_00001.ts`);
    expect(response.status).toBe(200);
    const path = join(scratch, 'fallback.ts');
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    expect((await probeStreams(path)).find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
    expect(await decodeErrors(path)).toBe('');

    const health = await getJson(`${app.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.body.info.encoder).toMatchObject({ status: 'up', hwaccel: 'vaapi', encoder: 'libx264', degraded: true });
    expect(health.body.info.encoder.reason).toMatch(/renderD250|vaapi|device/i);
    expect(Date.parse(health.body.info.encoder.since)).not.toBeNaN();
    // The metric says what /health says.
    expect(sample(await scrapeMetrics(app.baseUrl), 'nvr_transcoder_hardware_encoder_degraded')).toBe(1);
  });

  it('starts the next sessions in software right away while the hardware is degraded', async () => {
    const vaapiStarts = async () => sample(await scrapeMetrics(app.baseUrl), 'nvr_transcoder_ffmpeg_starts_total', 'encoder="h264_vaapi"');
    const triedBefore = await vaapiStarts();
    expect(triedBefore).toBeGreaterThan(0);
    const created = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 20)}`);
    expect(created.status).toBe(200);
    // Not even one more try of the GPU (a try and a fallback would also end in libx264).
    expect(await vaapiStarts()).toBe(triedBefore);
    const sessions = await getJson(`${app.baseUrl}/transcode/sessions`);
    const session = sessions.body.sessions.find((s: { sessionId: string }) => s.sessionId === created.body.sessionId);
    expect(session.videoEncoder).toBe('libx264');
  });
});
