import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { SESSION_MARKER_FILE, transcodeSessionId } from '@app/transcode';
import { join } from 'node:path';
import { BACK, FRONT, T0 } from './support/fixtures';
import { TestApp, baseEnv, getJson, makeScratchDir, rangeUrl, startTestApp, waitFor } from './support/test-app';

describe('stale-session cleanup (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ TRANSCODE_TTL_SECONDS: '2' });
  });

  afterAll(async () => app.close());

  it('removes a session idle past the TTL but keeps one that is being watched, whatever the folder times say', async () => {
    // Both ranges are short: their ffmpeg finishes at once and their folders stop changing,
    // so only the last request can tell the watched session from the abandoned one.
    const watched = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 6)}`);
    const abandoned = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 6)}`);
    expect([watched.status, abandoned.status]).toEqual([200, 200]);
    const abandonedDir = join(app.transcodeDir, abandoned.body.sessionId);
    const watchedDir = join(app.transcodeDir, watched.body.sessionId);

    // The cron runs every 10 s; keep watching until it has removed the abandoned one. The
    // admin listing is read to see it go: listing does not count as an access.
    const listed = async () => ((await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions as { sessionId: string }[]).map((s) => s.sessionId);
    await waitFor(
      async () => {
        expect((await fetch(`${app.baseUrl}${watched.body.playlist}`)).status).toBe(200);
        return !(await listed()).includes(abandoned.body.sessionId);
      },
      30_000,
      500,
    );
    expect(await listed()).toEqual([watched.body.sessionId]);
    expect((await fetch(`${app.baseUrl}${abandoned.body.playlist}`)).status).toBe(404);

    // Its ffmpeg is stopped and its folder removed right after it leaves the registry.
    await waitFor(() => !existsSync(abandonedDir), 10_000);
    expect(existsSync(watchedDir)).toBe(true);
    expect((await fetch(`${app.baseUrl}${watched.body.playlist}`)).status).toBe(200);
  });
});

describe('start-up cleanup (e2e)', () => {
  it('deletes session folders left by an earlier run (with its marker), and nothing else in TRANSCODE_DIR', async () => {
    const scratch = await makeScratchDir();
    const transcodeDir = baseEnv(scratch).TRANSCODE_DIR;
    const leftover = join(transcodeDir, '0123456789abcdef0123456789abcdef');
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, 'seg_00000.ts'), 'old');
    await writeFile(join(leftover, SESSION_MARKER_FILE), '');
    // Named like a session, but not made by this service (no marker): a TRANSCODE_DIR set to a shared folder loses nothing.
    const lookAlike = join(transcodeDir, 'fedcba9876543210fedcba9876543210');
    await mkdir(lookAlike);
    await writeFile(join(lookAlike, 'precious.mp4'), 'keep me');
    const foreignDir = join(transcodeDir, 'not-a-session');
    await mkdir(foreignDir);
    await writeFile(join(transcodeDir, 'notes.txt'), 'keep me');

    const app = await startTestApp({ TRANSCODE_DIR: transcodeDir });
    try {
      expect(existsSync(leftover)).toBe(false);
      expect(existsSync(join(lookAlike, 'precious.mp4'))).toBe(true);
      expect(existsSync(foreignDir)).toBe(true);
      expect(existsSync(join(transcodeDir, 'notes.txt'))).toBe(true);
    } finally {
      await app.close();
      const { rm } = await import('node:fs/promises');
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe('a folder named like a session that this service did not make (e2e)', () => {
  it('refuses the create that would use it with a JSON 503, and leaves the folder and its files in place', async () => {
    const app = await startTestApp();
    try {
      const [start, end] = [T0 + 20, T0 + 26];
      // Session ids are a public hash of camera and range: anyone can make the folder a create will want.
      const lookAlike = join(app.transcodeDir, transcodeSessionId(FRONT.camera, start, end));
      await mkdir(lookAlike);
      await writeFile(join(lookAlike, 'precious.mp4'), 'keep me');

      const { status, body } = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, start, end)}`);
      expect(status).toBe(503);
      expect(body).toEqual({ success: false, message: expect.stringMatching(/Transcoding is unavailable: .*not made by this service/) });
      // No server path reaches the client.
      expect(JSON.stringify(body)).not.toContain(app.transcodeDir);
      // The failed session is stopped before its answer is sent: its clean-up has run by now.
      expect(await readFile(join(lookAlike, 'precious.mp4'), 'utf8')).toBe('keep me');
      expect(existsSync(join(lookAlike, SESSION_MARKER_FILE))).toBe(false);
    } finally {
      await app.close();
    }
  });
});
