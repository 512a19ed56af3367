import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingRelativePath } from '../libs/recordings/src/frigate-recordings-layout';
import { BACK, FIXTURE_HEIGHT, FIXTURE_WIDTH, FRONT, RECORDINGS_DIR, T0, TENBIT } from './support/fixtures';
import { decodeErrors, firstFramePsnr, packetTimes, probeStreams } from './support/ffprobe';
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

  it.each([
    ['video-only HEVC', BACK.camera],
    ['HEVC with audio', FRONT.camera],
  ])('starts a range that begins between keyframes of %s on the right frame, on the segment grid', async (_kind, camera) => {
    // 1.87 s into the first file: inside its first keyframe interval (keyframes every 2 s).
    const created = await getJson(`${app.baseUrl}${rangeUrl(camera, T0 + 1.87, T0 + 21.87)}`);
    expect(created.status).toBe(200);
    const paths: string[] = [];
    for (const index of [0, 1, 2]) {
      const response = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_0000${index}.ts`);
      expect(response.status).toBe(200);
      paths.push(join(scratch, `${camera}-offset-${index}.ts`));
      await writeFile(paths[index], Buffer.from(await response.arrayBuffer()));
    }
    // The first frame at or after 1.87 s is frame 29 (1.933 s at 15 fps).
    const source = join(RECORDINGS_DIR, recordingRelativePath(camera, T0));
    expect(await firstFramePsnr(paths[0], source, 29)).toBeGreaterThan(30);
    // One second, then two: the boundaries where the plan puts them, frame after frame.
    const times = await Promise.all(paths.map((path) => packetTimes(path, 'v')));
    expect(times.map((t) => t.length)).toEqual([15, 30, 30]);
    expect(times[1][0] - times[0].at(-1)!).toBeCloseTo(1 / 15, 3);
    expect(await decodeErrors(paths[0])).toBe('');
  });
});
