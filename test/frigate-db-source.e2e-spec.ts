import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFrigateDb } from './support/frigate-db';
import { FIXTURES_DIR, FRONT, RECORDINGS_DIR, T0 } from './support/fixtures';
import { getJson, makeScratchDir, rangeUrl, startTestApp } from './support/test-app';

/** RECORDINGS_SOURCE=frigate-db: the recordings listed by Frigate's database, not its folders. */
describe('Frigate database as the recordings source (e2e)', () => {
  it('transcodes a range from the rows of a database built with Frigate’s schema', async () => {
    const scratch = await makeScratchDir();
    const dbPath = join(scratch, 'frigate.db');
    // The rows of FRONT's first 6 files, with the paths Frigate's container would store.
    const rows = [];
    for (let slot = 0; slot < 6; slot += 1) {
      const start = T0 + slot * 10;
      const iso = new Date(start * 1000).toISOString();
      const relative = `recordings/${iso.slice(0, 10)}/${iso.slice(11, 13)}/${FRONT.camera}/${iso.slice(14, 16)}.${iso.slice(17, 19)}.mp4`;
      rows.push({ id: `r${slot}`, camera: FRONT.camera, path: `/media/frigate/${relative}`, start_time: start, end_time: start + 10, duration: 10 });
    }
    writeFrigateDb(dbPath, rows);
    const app = await startTestApp({
      RECORDINGS_SOURCE: 'frigate-db',
      FRIGATE_DB_PATH: dbPath,
      FRIGATE_MEDIA_ROOT: FIXTURES_DIR,
      // The folder source would find every fixture camera; this one must not be read.
      RECORDINGS_DIR: join(scratch, 'empty'),
    });
    try {
      expect((await getJson(`${app.baseUrl}/cameras`)).body.cameras).toEqual([FRONT.camera]);
      const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0 + 5, T0 + 45)}`);
      expect(created.status).toBe(200);
      expect(created.body.durationSeconds).toBe(40);
      const segment = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/seg_00001.ts`);
      expect(segment.status).toBe(200);
      expect((await getJson(`${app.baseUrl}${rangeUrl('back', T0, T0 + 10)}`)).status).toBe(404);
      expect(await readdir(RECORDINGS_DIR)).not.toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});
