import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { recordingRelativePath } from '../libs/recordings/src/frigate-recordings-layout';
import { writeFrigateDb } from './support/frigate-db';
import { CLIPS_DIR, T0 } from './support/fixtures';
import { getJson, makeScratchDir, rangeUrl, startTestApp } from './support/test-app';

const run = promisify(execFile);

/**
 * Recordings are files anyone with write access to the NVR's disk can place, and ffprobe and
 * ffmpeg would read many formats from them (playlists that name other files or URLs among them).
 * Frigate writes MP4 only: a file named like a recording that is something else is skipped,
 * and nothing it names is opened.
 */
describe('hostile recordings (e2e, real ffprobe and ffmpeg)', () => {
  it('skips a "recording" that is not an MP4 (a playlist naming a URL, an MPEG-TS), and fetches nothing', async () => {
    const hits: string[] = [];
    const target: Server = createServer((request, response) => {
      hits.push(request.url ?? '');
      response.end('#EXTM3U\n');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const scratch = await makeScratchDir();
    const recordings = join(scratch, 'recordings');
    const place = async (start: number) => {
      const path = join(recordings, recordingRelativePath('porch', start));
      await mkdir(join(path, '..'), { recursive: true });
      return path;
    };
    // A real recording, then a playlist and an MPEG-TS (which ffprobe reads happily) named like recordings.
    await copyFile(join(CLIPS_DIR, 'hevc-audio-0.mp4'), await place(T0));
    await writeFile(
      await place(T0 + 10),
      `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n${url}/secret-segment.ts\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n`,
    );
    await run('ffmpeg', ['-v', 'error', '-i', join(CLIPS_DIR, 'hevc-audio-1.mp4'), '-c', 'copy', '-f', 'mpegts', '-y', await place(T0 + 20)]);
    const app = await startTestApp({ RECORDINGS_DIR: recordings });
    try {
      const created = await getJson(`${app.baseUrl}${rangeUrl('porch', T0, T0 + 30)}`);
      expect(created.status).toBe(200);
      // Only the real file is in the range.
      expect(created.body.durationSeconds).toBeCloseTo(10, 0);
      expect(hits).toEqual([]);
    } finally {
      await app.close();
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it('skips a listed recording that is not an MP4 (a database row can name any file) as a missing one: the rest plays', async () => {
    const scratch = await makeScratchDir();
    const media = join(scratch, 'media');
    await mkdir(join(media, 'recordings'), { recursive: true });
    await copyFile(join(CLIPS_DIR, 'hevc-audio-0.mp4'), join(media, 'recordings', 'a.mp4'));
    await run('ffmpeg', ['-v', 'error', '-i', join(CLIPS_DIR, 'hevc-audio-1.mp4'), '-c', 'copy', '-f', 'mpegts', '-y', join(media, 'recordings', 'b.mp4')]);
    const dbPath = join(scratch, 'frigate.db');
    writeFrigateDb(dbPath, [
      { id: 'a', camera: 'porch', path: '/media/frigate/recordings/a.mp4', start_time: T0, end_time: T0 + 10, duration: 10 },
      { id: 'b', camera: 'porch', path: '/media/frigate/recordings/b.mp4', start_time: T0 + 10, end_time: T0 + 20, duration: 10 },
    ]);
    const app = await startTestApp({
      RECORDINGS_SOURCE: 'frigate-db',
      FRIGATE_DB_PATH: dbPath,
      FRIGATE_MEDIA_ROOT: media,
      RECORDINGS_DIR: join(scratch, 'none'),
    });
    try {
      const created = await getJson(`${app.baseUrl}${rangeUrl('porch', T0, T0 + 20)}`);
      expect(created.status).toBe(200);
      // Its header cannot be read (no moov): the plan is the real file's 10 s, as Frigate's VOD skips such a file.
      expect(created.body.durationSeconds).toBeCloseTo(10, 0);
      const segment = (index: number) => fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_${String(index).padStart(5, '0')}.ts`);
      expect((await segment(1)).status).toBe(200);
      const beyond = await segment(7);
      expect(beyond.status).toBe(404);
      expect(await beyond.json()).toEqual({ success: false, message: expect.any(String) });
    } finally {
      await app.close();
    }
  });
});
