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
    beforeAll(async () => (app = await startTestApp()));
    afterAll(async () => app.close());

    it('answers 502 with ffmpeg’s last stderr lines and cleans the session up', async () => {
      const { status, body } = await getJson(`${app.baseUrl}${rangeUrl(BROKEN.camera, T0, T0 + 10)}`);
      expect(status).toBe(502);
      expect(body.success).toBe(false);
      expect(body.message).toMatch(/^ffmpeg failed: exit code \d+; ffmpeg said: .+/);
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
