import { execFile } from 'node:child_process';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { recordingRelativePath } from '../libs/recordings/src/frigate-recordings-layout';
import { processCounts, writeCountingWrapper } from './support/counting-wrapper';
import { CLIPS_DIR, CLIP_SECONDS, LONG, RECORDINGS_DIR, T0 } from './support/fixtures';
import { sample, scrapeMetrics } from './support/prometheus';
import { playInRealTime } from './support/real-time-player';
import { TestApp, ffmpegProcessesUsing, ffmpegProcessesUsingSync, getJson, makeScratchDir, rangeUrl, startTestApp, waitFor } from './support/test-app';

const STARTS = 'nvr_transcoder_ffmpeg_starts_total';
const starts = async (app: TestApp) => sample(await scrapeMetrics(app.baseUrl), STARTS, 'encoder="libx264"');
const segmentUrl = (app: TestApp, sessionId: string, index: number) => `${app.baseUrl}/stream/transcode/${sessionId}/seg_${String(index).padStart(5, '0')}.ts`;

/** The engine with real ffmpeg: requests that live as long as their client, runs per viewer, and a hard process cap. */
describe('the playback engine (e2e)', () => {
  describe('a request whose client went away', () => {
    let app: TestApp;

    beforeAll(async () => {
      // ffmpeg reading no faster than real time: a fragment can be caught while it is being made.
      app = await startTestApp({ FFMPEG_PATH: join(__dirname, 'support', 'realtime-ffmpeg.sh') });
    });

    afterAll(() => app.close());

    it('steers nothing: aborting a fragment and seeking gives exactly one new run', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
      expect(created.status).toBe(200);
      const id = created.body.sessionId as string;
      for (const index of [0, 1]) expect((await fetch(segmentUrl(app, id, index))).status).toBe(200);
      expect(await starts(app)).toBe(1);

      // The player seeks: it aborts the fragment it is fetching (not made yet, at real-time speed)...
      const client = new AbortController();
      const abandoned = fetch(segmentUrl(app, id, 3), { signal: client.signal }).catch((error: Error) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      client.abort();
      expect(((await abandoned) as Error).name).toBe('AbortError');
      // ...and asks for where it seeked to, and on.
      for (const index of [200, 201, 202]) expect((await fetch(segmentUrl(app, id, index))).status).toBe(200);
      // Long enough for the abandoned request's wait to have run out, had it not been withdrawn.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await starts(app)).toBe(2);
    });
  });

  describe('two viewers far apart in one session', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({});
    });

    afterAll(() => app.close());

    it('both play 60 s in real time without a stall, with a run each', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 1800)}`);
      expect(created.status).toBe(200);
      const playlist = `${app.baseUrl}${created.body.playlist}`;
      const text = await (await fetch(playlist)).text();
      // Where 20 minutes into the range is.
      const durations = [...text.matchAll(/^#EXTINF:([\d.]+),$/gm)].map((m) => Number(m[1]));
      let twentyMinutes = 0;
      for (let sum = 0; sum < 1200; twentyMinutes += 1) sum += durations[twentyMinutes];

      const [first, second] = await Promise.all([playInRealTime(playlist, 0, 60), playInRealTime(playlist, twentyMinutes, 60)]);
      expect(first).toEqual({ playedSeconds: 60, stalls: 0, longestStallMs: 0 });
      expect(second).toEqual({ playedSeconds: 60, stalls: 0, longestStallMs: 0 });
      // One run each: neither viewer restarted the other's encoder.
      expect(await starts(app)).toBe(2);
    }, 120_000);
  });

  describe('the ffmpeg process cap', () => {
    // Many times the cap (150 sessions, a cap of 8): enough to show it holds, in half the time 300
    // take, which the suite's 15 minutes cannot spare. ENGINE_CAP_SESSIONS=300 runs the count.
    const SESSIONS = Number(process.env.ENGINE_CAP_SESSIONS ?? 150);
    const CAP = 8;
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({
        MAX_CONCURRENT_TRANSCODES: String(CAP),
        MAX_FFMPEG_PROCESSES: String(CAP),
        MAX_SESSIONS_PER_USER: String(SESSIONS),
        SESSION_CREATE_LIMIT: String(SESSIONS),
        LOOKAHEAD_SECONDS: '4',
        IDLE_TIMEOUT_SECONDS: '1',
        OUTPUT_MAX_HEIGHT: '144',
      });
    });

    afterAll(() => app.close());

    it(`is never exceeded: ${SESSIONS} idle sessions each asked for a far segment at once get it or 503 with Retry-After`, async () => {
      const ids: string[] = [];
      const create = async (i: number) => {
        for (;;) {
          const answer = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0 + i, T0 + i + 120)}`);
          // 429 while MAX_CONCURRENT_TRANSCODES first segments are being made, 503 while every
          // process slot makes one: try again, as a client told Retry-After would.
          if (answer.status === 429 || answer.status === 503) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          expect(answer.status).toBe(200);
          ids.push(answer.body.sessionId);
          return;
        }
      };
      // Two at a time: as fast as two cores make first segments, without a storm of retries.
      for (let i = 0; i < SESSIONS; i += 2) await Promise.all([create(i), create(i + 1)]);
      // Every run stops once idle.
      await waitFor(async () => (await ffmpegProcessesUsing(app.transcodeDir)).length === 0, 30_000, 200);

      // Sampled synchronously every 10 ms: the app in this process keeps the libuv pool busy.
      let most = 0;
      const sampler = setInterval(() => (most = Math.max(most, ffmpegProcessesUsingSync(app.transcodeDir).length)), 10);
      const answers = await Promise.all(ids.map((id) => fetch(segmentUrl(app, id, 50))));
      clearInterval(sampler);

      const statuses = answers.map((answer) => answer.status);
      const served = statuses.filter((status) => status === 200).length;
      const busy = answers.filter((answer) => answer.status === 503);
      expect(served + busy.length).toBe(SESSIONS);
      expect(served).toBeGreaterThanOrEqual(CAP);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy.every((answer) => Number(answer.headers.get('retry-after')) > 0)).toBe(true);
      expect(await busy[0].json()).toEqual({ success: false, message: expect.stringMatching(/MAX_FFMPEG_PROCESSES/) });
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(CAP);
      await Promise.all(answers.map((answer) => answer.arrayBuffer().catch(() => undefined)));
    }, 240_000);
  });

  describe('every child process counted', () => {
    // The processes are counted by a stand-in ffmpeg and ffprobe that note, at each start, how
    // many of their kind are alive: never a sample that could miss a peak.
    // Room for the watched session's run, the export's run and its mux: a seek in the watched
    // session is one process more, and must take the slot of a run nobody needs.
    const CAP = 3;
    const FRAG_T0 = T0 + 3600;
    const FRAG_FILES = 40;
    let scratch: string;
    let app: TestApp;

    beforeAll(async () => {
      scratch = await makeScratchDir();
      const recordings = join(scratch, 'recordings');
      // Four minutes of the long camera, and a camera of fragmented MP4s without a duration in
      // their header (no mehd): each one is read by the ffprobe fallback.
      for (let i = 0; i < 24; i += 1) {
        const relative = recordingRelativePath(LONG.camera, T0 + i * CLIP_SECONDS);
        await mkdir(dirname(join(recordings, relative)), { recursive: true });
        await copyFile(join(RECORDINGS_DIR, relative), join(recordings, relative));
      }
      const fragmented = join(scratch, 'fragmented.mp4');
      await promisify(execFile)('ffmpeg', [
        '-v',
        'error',
        '-i',
        join(CLIPS_DIR, 'hevc-audio-0.mp4'),
        '-c',
        'copy',
        '-movflags',
        'frag_keyframe+empty_moov',
        '-f',
        'mp4',
        fragmented,
      ]);
      for (let i = 0; i < FRAG_FILES; i += 1) {
        const relative = recordingRelativePath('frag', FRAG_T0 + i * CLIP_SECONDS);
        await mkdir(dirname(join(recordings, relative)), { recursive: true });
        await copyFile(fragmented, join(recordings, relative));
      }
      app = await startTestApp({
        RECORDINGS_DIR: recordings,
        FFMPEG_PATH: await writeCountingWrapper(scratch, 'ffmpeg'),
        FFPROBE_PATH: await writeCountingWrapper(scratch, 'ffprobe'),
        MAX_CONCURRENT_TRANSCODES: '2',
        MAX_FFMPEG_PROCESSES: String(CAP),
        LOOKAHEAD_SECONDS: '4',
      });
    });

    afterAll(async () => {
      await app?.close();
      await rm(scratch, { recursive: true, force: true });
    });

    it(`runs and export muxes never exceed MAX_FFMPEG_PROCESSES=${CAP}, and ffprobes with health probes never exceed the pool of 2`, async () => {
      const watched = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 120)}`);
      expect(watched.status).toBe(200);
      // An export of two minutes nobody watched: its session's run and its mux beside the watched session's run.
      const exported = fetch(`${app.baseUrl}/export/${LONG.camera}/start/${T0 + 120}/end/${T0 + 240}.mp4`).then(async (response) => ({
        status: response.status,
        bytes: (await response.arrayBuffer()).byteLength,
      }));
      // Once its mux is being fed, meanwhile: a viewer seeking in the watched session, a cold
      // timeline of the fragmented camera, and health checks.
      const progress = `${app.baseUrl}/export/${LONG.camera}/start/${T0 + 120}/end/${T0 + 240}/progress`;
      await waitFor(async () => (await getJson(progress)).body.segmentsDone > 0, 30_000);
      const viewer = (async () => {
        const statuses: number[] = [];
        for (const index of [30, 31, 50, 51]) statuses.push((await fetch(segmentUrl(app, watched.body.sessionId, index))).status);
        return statuses;
      })();
      const timeline = getJson(`${app.baseUrl}/cameras/frag/recordings?after=${FRAG_T0 - 60}&before=${FRAG_T0 + FRAG_FILES * CLIP_SECONDS + 60}`);
      const health = Promise.all(Array.from({ length: 5 }, () => fetch(`${app.baseUrl}/health`).then((response) => response.status)));

      expect(await exported).toEqual({ status: 200, bytes: expect.any(Number) });
      // A seek the cap leaves no slot for is a 503 its player retries.
      expect((await viewer).every((status) => status === 200 || status === 503)).toBe(true);
      const { status, body } = await timeline;
      expect(status).toBe(200);
      // Every duration came from ffprobe (none was refused by the pool): one span over all the files.
      expect(body.spans).toEqual([{ start: FRAG_T0, end: expect.any(Number) }]);
      expect(body.spans[0].end).toBeGreaterThanOrEqual(FRAG_T0 + FRAG_FILES * CLIP_SECONDS);
      expect(await health).toEqual([200, 200, 200, 200, 200]);

      const slots = await processCounts(scratch, 'slots');
      const pool = await processCounts(scratch, 'pool');
      // Runs of both sessions and the export's mux were started...
      expect(slots.started).toBeGreaterThanOrEqual(3);
      expect(slots.most).toBeLessThanOrEqual(CAP);
      // ...and every fragmented file was probed, two at a time at most.
      expect(pool.started).toBeGreaterThanOrEqual(FRAG_FILES);
      expect(pool.most).toBeLessThanOrEqual(2);
    }, 180_000);
  });
});
