import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_HEIGHT, FIXTURE_WIDTH, FRONT, T0, TENBIT } from './support/fixtures';
import { probeStreams } from './support/ffprobe';
import { TestApp, getJson, rangeUrl, startTestApp } from './support/test-app';

/** What comes out for sources that differ from the common 8-bit case, at the default settings. */
describe('output format across sources (e2e)', () => {
  let app: TestApp;
  let scratch: string;

  beforeAll(async () => {
    app = await startTestApp({ OUTPUT_MAX_HEIGHT: '720' });
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-sources-'));
  });

  afterAll(async () => {
    await app.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function firstSegmentStreams(camera: string) {
    const created = await getJson(`${app.baseUrl}${rangeUrl(camera, T0, T0 + 10)}`);
    expect(created.status).toBe(200);
    const response = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_00000.ts`);
    expect(response.status).toBe(200);
    const path = join(scratch, `${camera}.ts`);
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    return probeStreams(path);
  }

  it('turns 10-bit HEVC (Main 10) into 8-bit yuv420p H.264', async () => {
    const video = (await firstSegmentStreams(TENBIT.camera)).find((s) => s.codec_type === 'video')!;
    expect(video.codec_name).toBe('h264');
    expect(video.pix_fmt).toBe('yuv420p');
  });

  it('never scales up: a 240-line source stays 240 lines under OUTPUT_MAX_HEIGHT=720', async () => {
    const video = (await firstSegmentStreams(FRONT.camera)).find((s) => s.codec_type === 'video')!;
    expect([video.width, video.height]).toEqual([FIXTURE_WIDTH, FIXTURE_HEIGHT]);
  });
});
