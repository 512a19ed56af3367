import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BACK, LONG, T0 } from './support/fixtures';
import { TestApp, getJson, rangeUrl, startTestApp, waitFor } from './support/test-app';

const MiB = 1024 * 1024;

/** Bytes of the segment files in a session's folder. */
async function segmentBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.ts')) total += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

async function fetchSegment(app: TestApp, sessionId: string, index: number): Promise<number> {
  const response = await fetch(`${app.baseUrl}/stream/transcode/${sessionId}/seg_${String(index).padStart(5, '0')}.ts`);
  await response.arrayBuffer();
  return response.status;
}

async function encoderPid(app: TestApp, sessionId: string): Promise<number | null> {
  const { body } = await getJson(`${app.baseUrl}/transcode/sessions`);
  return body.sessions.find((session: { sessionId: string }) => session.sessionId === sessionId)?.pid ?? null;
}

/** TRANSCODE_MAX_DISK_MB with real ffmpeg: segments far behind go, idle sessions go, and a full disk is a 507. */
describe('disk budget (e2e)', () => {
  it('keeps a watched session within the budget by deleting segments far behind its viewer, and a short seek back needs no encode', async () => {
    const app = await startTestApp({ TRANSCODE_MAX_DISK_MB: '8', LOOKAHEAD_SECONDS: '4' });
    try {
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
      expect(created.status).toBe(200);
      const dir = join(app.transcodeDir, created.body.sessionId);
      // 200 s of video, watched from the start (each fetch waits for its segment).
      for (let index = 0; index < 100; index += 1) expect(await fetchSegment(app, created.body.sessionId, index)).toBe(200);
      expect(await segmentBytes(dir)).toBeLessThanOrEqual(8 * MiB);
      const names = (await readdir(dir)).filter((name) => name.endsWith('.ts'));
      // The start is gone; the last 60 s (30 segments) behind the viewer are there.
      expect(names.some((name) => name.endsWith('_00000.ts'))).toBe(false);
      expect(names.some((name) => name.endsWith('_00075.ts'))).toBe(true);
      const pid = await encoderPid(app, created.body.sessionId);
      expect(await fetchSegment(app, created.body.sessionId, 75)).toBe(200);
      expect(await encoderPid(app, created.body.sessionId)).toBe(pid);
      // A seek back past the window still plays: the segment is made again.
      expect(await fetchSegment(app, created.body.sessionId, 1)).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('answers 507 with a JSON message when sessions being watched fill the budget', async () => {
    const app = await startTestApp({ TRANSCODE_MAX_DISK_MB: '4', LOOKAHEAD_SECONDS: '4' });
    try {
      const watched = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
      const dir = join(app.transcodeDir, watched.body.sessionId);
      for (let index = 0; (await segmentBytes(dir)) < 3.8 * MiB && index < 30; index += 1) {
        expect(await fetchSegment(app, watched.body.sessionId, index)).toBe(200);
      }
      const refused = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 30)}`);
      expect(refused.status).toBe(507);
      expect(refused.body).toEqual({ success: false, message: expect.stringContaining('TRANSCODE_MAX_DISK_MB=4') });
      // The watched session is untouched.
      expect(await fetchSegment(app, watched.body.sessionId, 0)).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('evicts an idle session to make room for a new one', async () => {
    const app = await startTestApp({ TRANSCODE_MAX_DISK_MB: '4', LOOKAHEAD_SECONDS: '4', IDLE_TIMEOUT_SECONDS: '1' });
    try {
      const idle = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
      const dir = join(app.transcodeDir, idle.body.sessionId);
      for (let index = 0; (await segmentBytes(dir)) < 3.3 * MiB && index < 30; index += 1) {
        await fetchSegment(app, idle.body.sessionId, index);
      }
      // Nobody asks for it any more: its encoder stops after IDLE_TIMEOUT_SECONDS.
      await waitFor(async () => (await encoderPid(app, idle.body.sessionId)) === null, 10_000);
      const created = await getJson(`${app.baseUrl}${rangeUrl(BACK.camera, T0, T0 + 30)}`);
      expect(created.status).toBe(200);
      expect((await getJson(`${app.baseUrl}${idle.body.playlist}`)).status).toBe(404);
      await waitFor(async () => (await readdir(dir).catch(() => null)) === null, 5000);
    } finally {
      await app.close();
    }
  });
});
