import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BROKEN, T0 } from './support/fixtures';
import { TestApp, getJson, rangeUrl, startTestApp, waitFor } from './support/test-app';

const STALLING_FFMPEG = join(__dirname, 'support', 'stalling-ffmpeg.sh');

/** pids of processes whose command line is exactly `sleep 600` started by the stalling ffmpeg. */
async function stalledSleeps(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === 'sleep\u0000600\u0000') count += 1;
  }
  return count;
}

describe('when ffmpeg fails or stalls (e2e)', () => {
  describe('ffmpeg fails on a broken recording', () => {
    let app: TestApp;
    // A wait far longer than the test may take: the 502 must come when ffmpeg fails, not at the deadline.
    beforeAll(async () => (app = await startTestApp({ SEGMENT_WAIT_TIMEOUT_SECONDS: '600' })));
    afterAll(async () => app.close());

    it('answers 502 at once, naming the recording and why ffmpeg could not read it, and cleans the session up', async () => {
      const { status, body } = await getJson(`${app.baseUrl}${rangeUrl(BROKEN.camera, T0, T0 + 10)}`);
      expect(status).toBe(502);
      expect(body.success).toBe(false);
      expect(body.message).toBe(
        `ffmpeg failed on recording 2023-11-14/22/${BROKEN.camera}/13.20.mp4: ` +
          'Could not find codec parameters for stream 0 (Video: none (zzzz / 0x7A7A7A7A), none(progressive), 320x240, 237 kb/s): unknown codec (exit code 1)',
      );
      expect(await readdir(app.transcodeDir)).toEqual([]);
      expect((await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions).toEqual([]);
    });
  });

  describe('ffmpeg never produces a segment', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ FFMPEG_PATH: STALLING_FFMPEG, SEGMENT_WAIT_TIMEOUT_SECONDS: '1' });
    });
    afterAll(async () => app.close());

    it('answers 504 after SEGMENT_WAIT_TIMEOUT_SECONDS, stops the process and removes the session', async () => {
      const before = await stalledSleeps();
      const { status, body } = await getJson(`${app.baseUrl}${rangeUrl('front', T0, T0 + 10)}`);
      expect(status).toBe(504);
      expect(body).toEqual({ success: false, message: expect.stringMatching(/first segment was not ready within 1 s/) });
      await waitFor(async () => (await stalledSleeps()) <= before, 5000);
      expect(await readdir(app.transcodeDir)).toEqual([]);
      expect(existsSync(app.transcodeDir)).toBe(true);
    });
  });
});
