import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sign } from 'jsonwebtoken';
import { launchChromium } from './support/browser';
import { BACK, FRONT, LONG, T0 } from './support/fixtures';
import { decodeErrors } from './support/ffprobe';
import { sample, scrapeMetrics } from './support/prometheus';
import { startRedisServer, RedisServer } from './support/redis-server';
import { AppProcess, TestApp, freePort, getJson, rangeUrl, startAppProcess, startTestApp, waitFor } from './support/test-app';

const run = promisify(execFile);
const FRAME = 1 / 15;

const exportUrl = (camera: string, start: number, end: number) => `/export/${camera}/start/${start}/end/${end}.mp4`;
const progressUrl = (camera: string, start: number, end: number) => `/export/${camera}/start/${start}/end/${end}/progress`;

/** The types of an MP4's top-level boxes, in file order. */
function topLevelBoxes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 0; offset + 8 <= bytes.length;) {
    let size = bytes.readUInt32BE(offset);
    types.push(bytes.toString('latin1', offset + 4, offset + 8));
    if (size === 1) size = Number(bytes.readBigUInt64BE(offset + 8));
    if (size === 0) break;
    offset += size;
  }
  return types;
}

interface ProbedFile {
  format: { duration: string; tags?: Record<string, string> };
  streams: { codec_type: string; codec_name: string }[];
}

async function probe(path: string): Promise<ProbedFile> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', path]);
  return JSON.parse(stdout) as ProbedFile;
}

/** The session of a range (opened, or joined) and its playlist's first PROGRAM-DATE-TIME. */
async function sessionOf(app: TestApp, camera: string, start: number, end: number) {
  const created = await getJson(`${app.baseUrl}${rangeUrl(camera, start, end)}`);
  expect(created.status).toBe(200);
  const playlist = await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text();
  const firstFrame = new Date(/^#EXT-X-PROGRAM-DATE-TIME:(\S+)$/m.exec(playlist)![1]);
  const segments = [...playlist.matchAll(/^(seg_\d{5}\.ts)$/gm)].map((m) => m[1]);
  return { sessionId: created.body.sessionId as string, durationSeconds: created.body.durationSeconds as number, firstFrame, segments };
}

/** Folders in TRANSCODE_DIR that are no session's: an export's scratch folder. */
async function exportFolders(app: TestApp): Promise<string[]> {
  const sessions = (await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions.map((s: { sessionId: string }) => s.sessionId);
  return (await readdir(app.transcodeDir)).filter((name) => /^[0-9a-f]{32}$/.test(name) && !sessions.includes(name));
}

/** MP4 export over real HTTP with real ffmpeg: the file, its reuse of the session's segments, its limits and its clean-up. */
describe('MP4 export (e2e)', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-export-'));
  });

  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  describe('without auth', () => {
    let app: TestApp;
    beforeAll(async () => (app = await startTestApp({ MAX_CONCURRENT_TRANSCODES: '4' })));
    afterAll(async () => app.close());

    /** Downloads an export whole, then waits until its response has let go of its folder. */
    async function download(camera: string, start: number, end: number) {
      const response = await fetch(`${app.baseUrl}${exportUrl(camera, start, end)}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      const path = join(scratch, `${camera}-${start}-${end}.mp4`);
      await writeFile(path, bytes);
      await waitFor(async () => (await exportFolders(app)).length === 0, 10_000);
      return { response, bytes, path };
    }

    // Starts at a fractional time: the first frame's wall clock is not a whole second.
    const start = T0 + 3.4;
    const end = T0 + 27.8;

    it('downloads a progressive H.264 MP4 of the range, named after the camera and time, as long as the session, created at its first frame', async () => {
      const { response, bytes, path } = await download(FRONT.camera, start, end);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('video/mp4');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="front-20231114-221323Z.mp4"');
      expect(Number(response.headers.get('content-length'))).toBe(bytes.length);

      const session = await sessionOf(app, FRONT.camera, start, end);
      const probed = await probe(path);
      expect(probed.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(['video:h264', 'audio:aac']);
      expect(Math.abs(Number(probed.format.duration) - session.durationSeconds)).toBeLessThanOrEqual(FRAME);
      // MP4 keeps creation time in whole seconds (mvhd): the first frame's, truncated.
      expect(session.firstFrame.getTime() % 1000).not.toBe(0);
      const firstFrameSecond = new Date(Math.floor(session.firstFrame.getTime() / 1000) * 1000);
      expect(probed.format.tags?.creation_time).toBe(firstFrameSecond.toISOString().replace('.000Z', '.000000Z'));
      // +faststart: the index before the media.
      const boxes = topLevelBoxes(bytes);
      expect(boxes).toContain('mdat');
      expect(boxes.indexOf('moov')).toBeGreaterThan(-1);
      expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
      expect(await decodeErrors(path)).toBe('');
    });

    it('reports the finished export as done, every segment copied', async () => {
      const session = await sessionOf(app, FRONT.camera, start, end);
      const { status, body } = await getJson(`${app.baseUrl}${progressUrl(FRONT.camera, start, end)}`);
      expect(status).toBe(200);
      expect(body).toEqual({ success: true, state: 'done', segmentsDone: session.segments.length, segmentsTotal: session.segments.length });
      expect((await getJson(`${app.baseUrl}${progressUrl(FRONT.camera, start, end + 1)}`)).body).toEqual({
        success: true,
        state: 'idle',
        segmentsDone: 0,
        segmentsTotal: 0,
      });
    });

    it('exports a range that was watched from the segments already made: no encoder run starts', async () => {
      const session = await sessionOf(app, LONG.camera, start, end);
      for (const segment of session.segments) {
        expect((await fetch(`${app.baseUrl}/stream/transcode/${session.sessionId}/${segment}`)).status).toBe(200);
      }
      const startsBefore = sample(await scrapeMetrics(app.baseUrl), 'nvr_transcoder_ffmpeg_starts_total', 'encoder="libx264"');
      expect(startsBefore).toBeGreaterThan(0);

      const { response, path } = await download(LONG.camera, start, end);
      expect(response.status).toBe(200);
      expect(sample(await scrapeMetrics(app.baseUrl), 'nvr_transcoder_ffmpeg_starts_total', 'encoder="libx264"')).toBe(startsBefore);
      expect(Math.abs(Number((await probe(path)).format.duration) - session.durationSeconds)).toBeLessThanOrEqual(FRAME);
    });

    it('exports a camera without audio as video only', async () => {
      const { response, path } = await download(BACK.camera, T0 + 1, T0 + 9);
      expect(response.status).toBe(200);
      expect((await probe(path)).streams.map((s) => s.codec_type)).toEqual(['video']);
    });

    it('lets one requester run one export at a time: the same range again joins it (one file for both), another range is 429', async () => {
      // Five minutes nobody watched: still being collected when asked again.
      const [from, to] = [T0 + 600, T0 + 900];
      const first = fetch(`${app.baseUrl}${exportUrl(LONG.camera, from, to)}`);
      await waitFor(async () => (await getJson(`${app.baseUrl}${progressUrl(LONG.camera, from, to)}`)).body.segmentsDone > 0, 20_000);

      const other = await getJson(`${app.baseUrl}${exportUrl(LONG.camera, from, to + 1)}`);
      expect(other.status).toBe(429);
      expect(other.body).toEqual({ success: false, message: expect.stringMatching(/already have 1 export/) });
      expect(Number(other.headers.get('retry-after'))).toBeGreaterThan(0);

      // Not refused by the one-per-requester limit: it joined the export in flight.
      const joined = await fetch(`${app.baseUrl}${exportUrl(LONG.camera, from, to)}`);
      const firstResponse = await first;
      expect([firstResponse.status, joined.status]).toEqual([200, 200]);
      const [a, b] = [Buffer.from(await firstResponse.arrayBuffer()), Buffer.from(await joined.arrayBuffer())];
      expect(a.length).toBeGreaterThan(0);
      expect(b.equals(a)).toBe(true);
      await waitFor(async () => (await exportFolders(app)).length === 0, 10_000);
    });

    it('stops an export whose client went away: its folder is deleted, its progress forgotten, and the session stays', async () => {
      const [from, to] = [T0 + 1200, T0 + 1800];
      const abort = new AbortController();
      fetch(`${app.baseUrl}${exportUrl(LONG.camera, from, to)}`, { signal: abort.signal }).catch(() => undefined);
      await waitFor(async () => (await getJson(`${app.baseUrl}${progressUrl(LONG.camera, from, to)}`)).body.segmentsDone > 0, 20_000);
      expect(await exportFolders(app)).toHaveLength(1);

      abort.abort();
      await waitFor(async () => (await exportFolders(app)).length === 0, 10_000);
      expect((await getJson(`${app.baseUrl}${progressUrl(LONG.camera, from, to)}`)).body.state).toBe('idle');
      const sessions = (await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions;
      expect(sessions.some((s: { camera: string; start: number; end: number }) => s.camera === LONG.camera && s.start === from && s.end === to)).toBe(true);
    });

    it.each([
      ['a non-numeric end', `/export/${FRONT.camera}/start/${T0}/end/abc.mp4`, /end/],
      ['an exponent start', `/export/${FRONT.camera}/start/1.7e9/end/${T0 + 10}.mp4`, /start/],
      ['a doubled suffix', `/export/${FRONT.camera}/start/${T0}/end/${T0 + 10}.mp4.mp4`, /end/],
      ['a camera name with a dot', `/export/front.door/start/${T0}/end/${T0 + 10}.mp4`, /camera/],
      ['end before start', exportUrl(FRONT.camera, T0 + 10, T0), /end must be after start/],
      ['a malformed time on the progress route', `/export/${FRONT.camera}/start/x/end/${T0 + 10}/progress`, /start/],
      ['a range longer than EXPORT_MAX_SECONDS', exportUrl(LONG.camera, T0, T0 + 1801), /longer than EXPORT_MAX_SECONDS \(1800 s\)/],
    ])('answers 400 JSON for %s', async (_name, path, message) => {
      const { status, body } = await getJson(`${app.baseUrl}${path}`);
      expect(status).toBe(400);
      expect(body).toEqual({ success: false, message: expect.stringMatching(message) });
    });

    it('documents both routes under the export tag in OpenAPI, the file as video/mp4 with its error answers', async () => {
      const { body } = await getJson(`${app.baseUrl}/docs-json`);
      const file = body.paths['/export/{camera}/start/{start}/end/{end}.mp4'].get;
      expect(file.tags).toEqual(['export']);
      expect(Object.keys(file.responses['200'].content)).toEqual(['video/mp4']);
      expect(Object.keys(file.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '502', '503', '504', '507']);
      expect(body.paths['/export/{camera}/start/{start}/end/{end}/progress'].get.tags).toEqual(['export']);
    });

    it('answers 404 JSON for a range without recordings', async () => {
      const { status, body } = await getJson(`${app.baseUrl}${exportUrl(FRONT.camera, T0 + 65, T0 + 85)}`);
      expect(status).toBe(404);
      expect(body).toEqual({ success: false, message: expect.stringMatching(/No recordings/) });
      await waitFor(async () => (await exportFolders(app)).length === 0, 10_000);
    });
  });

  describe('inside the disk budget', () => {
    /** Bytes of each folder in TRANSCODE_DIR and the names of its files, read now (synchronously: a sampler). */
    function foldersNow(dir: string): Map<string, { bytes: number; names: string[] }> {
      const folders = new Map<string, { bytes: number; names: string[] }>();
      // (The app closed: its scratch folder is gone.)
      if (!existsSync(dir)) return folders;
      for (const folder of readdirSync(dir)) {
        try {
          const names = readdirSync(join(dir, folder));
          const bytes = names.reduce((sum, name) => sum + (statSync(join(dir, folder, name), { throwIfNoEntry: false })?.size ?? 0), 0);
          folders.set(folder, { bytes, names });
        } catch {
          // Gone meanwhile.
        }
      }
      return folders;
    }

    /** Samples TRANSCODE_DIR every 10 ms: each folder's peak bytes and every file name it held. */
    function watchFolders(dir: string) {
      const seen = new Map<string, { peak: number; names: Set<string> }>();
      const sample = () => {
        for (const [folder, { bytes, names }] of foldersNow(dir)) {
          const entry = seen.get(folder) ?? { peak: 0, names: new Set<string>() };
          entry.peak = Math.max(entry.peak, bytes);
          for (const name of names) entry.names.add(name);
          seen.set(folder, entry);
        }
      };
      // A test that fails before it stops the sampler must not leave it reading a removed folder
      // in the next suite of this worker: it stops by itself once the folder is gone.
      const timer = setInterval(() => (existsSync(dir) ? sample() : clearInterval(timer)), 10);
      return {
        seen,
        stop: () => {
          clearInterval(timer);
          sample();
        },
      };
    }

    /** A session's or an export's folder (not one being made: it is renamed into place). */
    const isFolderName = (name: string) => /^[0-9a-f]{32}$/.test(name);
    const dirBytes = async (app: TestApp) => sample(await scrapeMetrics(app.baseUrl), 'nvr_transcoder_transcode_dir_bytes');
    const sessionIds = async (app: TestApp): Promise<string[]> =>
      (await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions.map((s: { sessionId: string }) => s.sessionId);
    /** Bytes of a folder's segment files now. */
    const segmentBytesIn = (app: TestApp, folder: string) =>
      [...(foldersNow(app.transcodeDir).get(folder)?.names ?? [])]
        .filter((name) => name.endsWith('.ts'))
        .reduce((sum, name) => sum + (statSync(join(app.transcodeDir, folder, name), { throwIfNoEntry: false })?.size ?? 0), 0);

    it('answers 507 JSON, having written nothing, for an export that would not fit in TRANSCODE_MAX_DISK_MB', async () => {
      const app = await startTestApp({ TRANSCODE_MAX_DISK_MB: '1', LOOKAHEAD_SECONDS: '4' });
      try {
        const watch = watchFolders(app.transcodeDir);
        // Five minutes: tens of MiB, in a budget of one.
        const { status, body } = await getJson(`${app.baseUrl}${exportUrl(LONG.camera, T0 + 600, T0 + 900)}`);
        watch.stop();
        expect(status).toBe(507);
        expect(body).toEqual({ success: false, message: expect.stringMatching(/^No room for this export: .*TRANSCODE_MAX_DISK_MB=1\b/) });
        // Only the range's session ever had a folder (its segments are within the budget): no scratch folder, no MP4.
        const sessions = await sessionIds(app);
        expect([...watch.seen.keys()].filter((folder) => isFolderName(folder) && !sessions.includes(folder))).toEqual([]);
        expect([...watch.seen.values()].some(({ names }) => [...names].some((name) => name.endsWith('.mp4')))).toBe(false);
      } finally {
        await app.close();
      }
    });

    it('counts an export in the disk usage while it lives, and writes the range once: no joined .ts, the folder never more than its MP4', async () => {
      const app = await startTestApp({ TRANSCODE_MAX_DISK_MB: '64' });
      try {
        const [from, to] = [T0 + 1000, T0 + 1120];
        const watch = watchFolders(app.transcodeDir);
        const pending = fetch(`${app.baseUrl}${exportUrl(LONG.camera, from, to)}`);
        // The counter, not a snapshot: the metric holds more than the session's segments by at
        // least what the export has written (its reservation covers it from before its first byte).
        let exportFolder = '';
        await waitFor(async () => {
          const sessions = await sessionIds(app);
          const metric = await dirBytes(app);
          const folders = foldersNow(app.transcodeDir);
          exportFolder = [...folders.keys()].find((folder) => isFolderName(folder) && !sessions.includes(folder)) ?? '';
          const exported = folders.get(exportFolder)?.bytes ?? 0;
          const segments = sessions.reduce((sum, id) => sum + segmentBytesIn(app, id), 0);
          return exported > 0 && metric - segments >= exported;
        }, 60_000);
        const response = await pending;
        expect(response.status).toBe(200);
        const mp4 = Buffer.from(await response.arrayBuffer());
        await waitFor(async () => (await exportFolders(app)).length === 0, 10_000);
        watch.stop();

        const scratch = watch.seen.get(exportFolder)!;
        expect([...scratch.names].filter((name) => name.endsWith('.ts'))).toEqual([]);
        expect(scratch.names).toContain('export.mp4');
        // Its MP4 and a pid file: never a second copy of the range beside it.
        expect(scratch.peak).toBeLessThanOrEqual(mp4.length + 4096);
        // Released with its folder: what is left counted is the session's segments.
        const [session] = await sessionIds(app);
        await waitFor(async () => (await dirBytes(app)) <= segmentBytesIn(app, session), 10_000);
        expect(Math.abs(Number((await probe(await saved(mp4))).format.duration) - (to - from))).toBeLessThanOrEqual(FRAME);
      } finally {
        await app.close();
      }
    });

    /** Writes an MP4 to the suite's scratch folder, for ffprobe. */
    async function saved(bytes: Buffer): Promise<string> {
      const path = join(scratch, `budget-${bytes.length}.mp4`);
      await writeFile(path, bytes);
      return path;
    }
  });

  describe('with auth', () => {
    const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'.repeat(4);
    const token = (role: string) =>
      sign({ sub: `${role}-user`, role, exp: Math.floor(Date.now() / 1000) + 3600 }, Buffer.from(SECRET, 'utf8'), { algorithm: 'HS256', noTimestamp: true });
    let app: TestApp;

    beforeAll(async () => (app = await startTestApp({ AUTH_DISABLED: 'false', JWT_SECRET: SECRET, AUTH_ROLES: JSON.stringify({ back_only: [BACK.camera] }) })));
    afterAll(async () => app.close());

    const get = (path: string, role?: string) => getJson(`${app.baseUrl}${path}`, { headers: role ? { authorization: `Bearer ${token(role)}` } : {} });

    it.each([
      ['no token', 401, exportUrl(FRONT.camera, T0, T0 + 10), undefined],
      ['no token, progress', 401, progressUrl(FRONT.camera, T0, T0 + 10), undefined],
      ['a user without the camera', 403, exportUrl(FRONT.camera, T0, T0 + 10), 'back_only'],
      ['a user without the camera, progress', 403, progressUrl(FRONT.camera, T0, T0 + 10), 'back_only'],
      ['a malformed time', 400, `/export/${BACK.camera}/start/${T0}/end/NaN.mp4`, 'back_only'],
    ])('answers %s with %p JSON', async (_name, expected, path, role) => {
      const { status, body } = await get(path, role);
      expect(status).toBe(expected);
      expect(body).toEqual({ success: false, message: expect.any(String) });
    });

    it('exports a camera the user may see', async () => {
      const response = await fetch(`${app.baseUrl}${exportUrl(BACK.camera, T0, T0 + 5)}`, { headers: { authorization: `Bearer ${token('back_only')}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('video/mp4');
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
      expect((await get(progressUrl(BACK.camera, T0, T0 + 5), 'back_only')).body.state).toBe('done');
    });
  });
  describe('on the player page (Chromium)', () => {
    const SECRET = 'export-e2e-secret-0123456789abcdef';
    let app: TestApp;
    let browser: Awaited<ReturnType<typeof launchChromium>>;

    beforeAll(async () => {
      app = await startTestApp({ AUTH_DISABLED: 'false', JWT_SECRET: SECRET });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    it('Export MP4 downloads the range with its header token, showing the segments collected meanwhile', async () => {
      const page = await browser.context.newPage();
      const token = sign({ sub: 'viewer', role: 'viewer', exp: Math.floor(Date.now() / 1000) + 3600 }, Buffer.from(SECRET), { algorithm: 'HS256' });
      await page.goto(app.baseUrl);
      await page.fill('#token', token);
      await page.click('#signin button');
      await page.waitForFunction((camera) => [...document.querySelectorAll('#camera option')].some((o) => o.textContent === camera), LONG.camera);
      await page.selectOption('#camera', LONG.camera);
      // Every status the page shows, in order.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { statuses: string[] }).statuses = seen;
        const status = document.getElementById('status')!;
        new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
      });
      // Five minutes nobody watched: long enough for a progress poll or two.
      const iso = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 19);
      await page.fill('#start', iso(T0 + 300));
      await page.fill('#end', iso(T0 + 600));
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#export')]);
      expect(download.suggestedFilename()).toBe('long-20231114-221820Z.mp4');
      const path = join(scratch, download.suggestedFilename());
      await download.saveAs(path);
      expect(Number((await probe(path)).format.duration)).toBeCloseTo(300, 0);

      await page.waitForFunction(() => /^Exported /.test(document.getElementById('status')!.textContent ?? ''));
      const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
      expect(statuses.some((text) => /^Exporting: \d+ of \d+ segments$/.test(text))).toBe(true);
      expect(statuses.at(-1)).toBe('Exported long-20231114-221820Z.mp4.');
      expect(await page.isEnabled('#export')).toBe(true);
      await page.close();
    });
  });
  describe('in a cluster (2 built nodes on Redis)', () => {
    let redis: RedisServer;
    let nodes: AppProcess[];

    beforeAll(async () => {
      redis = await startRedisServer();
      nodes = await Promise.all(
        ['node-a', 'node-b'].map(async (name) =>
          startAppProcess({
            PORT: String(await freePort()),
            REDIS_URL: redis.url,
            NODE_ID: name,
            NODE_URL: `http://127.0.0.1:${await freePort()}`,
            CLUSTER_SECRET: 'export-e2e-cluster-secret-of-32-chars',
            LOG_LEVEL: 'warn',
          }),
        ),
      );
    });
    afterAll(async () => {
      await Promise.all((nodes ?? []).map((node) => node.cleanup()));
      await redis?.stop();
    });

    const encoderStarts = async () => {
      let starts = 0;
      for (const node of nodes) starts += sample(await scrapeMetrics(node.baseUrl), 'nvr_transcoder_ffmpeg_starts_total', 'encoder="libx264"');
      return starts;
    };

    it('exports on a node that does not run the session, from that session’s segments: no encoder run starts anywhere', async () => {
      const [from, to] = [T0 + 3.4, T0 + 27.8];
      const created = await getJson(`${nodes[0].baseUrl}${rangeUrl(FRONT.camera, from, to)}`);
      expect(created.status).toBe(200);
      const playlist = await (await fetch(`${nodes[0].baseUrl}${created.body.playlist}`)).text();
      for (const segment of playlist.match(/^seg_\d{5}\.ts$/gm)!) {
        expect((await fetch(`${nodes[0].baseUrl}/stream/transcode/${created.body.sessionId}/${segment}`)).status).toBe(200);
      }
      const owner = (await getJson(`${nodes[0].baseUrl}/transcode/sessions`)).body.sessions.find(
        (s: { sessionId: string }) => s.sessionId === created.body.sessionId,
      ).node;
      const names = await Promise.all(nodes.map(async (node) => (await getJson(`${node.baseUrl}/health`)).body.info.cluster.node));
      expect(names).toContain(owner);
      const other = nodes[names.findIndex((name) => name !== owner)];
      const startsBefore = await encoderStarts();

      const response = await fetch(`${other.baseUrl}${exportUrl(FRONT.camera, from, to)}`);
      expect(response.status).toBe(200);
      const path = join(scratch, 'cluster.mp4');
      await writeFile(path, Buffer.from(await response.arrayBuffer()));
      expect(await encoderStarts()).toBe(startsBefore);
      const probed = await probe(path);
      expect(Math.abs(Number(probed.format.duration) - created.body.durationSeconds)).toBeLessThanOrEqual(FRAME);
      expect(await decodeErrors(path)).toBe('');
    });
  });
});
