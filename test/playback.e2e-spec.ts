import { readFile } from 'node:fs/promises';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRONT, LONG, ODD_HEIGHT, ODD_WIDTH, QUIRKY, T0 } from './support/fixtures';
import { decodeErrors, packetTimes, probeStreams } from './support/ffprobe';
import { TestApp, encodingFfmpegProcessesUsing, ffmpegProcessesUsing, getJson, rangeUrl, startTestApp, waitFor, processState } from './support/test-app';
import { downloadSegment, segmentName } from './support/media-playlist';

const FRAME = 1 / 15;

/** State letter of a process (R running, S sleeping, T stopped by SIGSTOP). */

describe('playback engine (e2e)', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-playback-'));
  });

  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  describe('with the default lookahead', () => {
    let app: TestApp;
    beforeAll(async () => (app = await startTestApp({ MAX_CONCURRENT_TRANSCODES: '6' })));
    afterAll(async () => app.close());

    it('answers a complete VOD playlist at once, with durations and PROGRAM-DATE-TIME that follow the recordings across the gap', async () => {
      // FRONT: files for 0-60 s and 90-120 s after T0 (slots 6-8 missing).
      const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 120)}`);
      expect(created.status).toBe(200);
      expect(created.body.durationSeconds).toBe(90);
      const text = await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text();
      expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(text.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
      const entries = [...text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),\n(seg_\d{5}\.ts)/g)].map((m) => ({
        wall: Date.parse(m[1]) / 1000,
        duration: Number(m[2]),
        uri: m[3],
      }));
      // A 1 s first segment, then 2 s ones: boundaries at 0, 1, 3, 5, …, and at the gap.
      expect(entries).toHaveLength(46);
      expect(entries.map((e) => e.uri)).toEqual(Array.from({ length: 46 }, (_, i) => segmentName(i)));
      expect(entries.reduce((sum, e) => sum + e.duration, 0)).toBeCloseTo(90, 6);
      expect(entries[0].wall).toBe(T0);
      expect(entries[1].wall).toBe(T0 + 1);
      // Segment 30 starts 59 s in and ends at the gap (60 s in); segment 31 starts with the first
      // frame after it, so no segment shows both sides under one PROGRAM-DATE-TIME.
      expect(entries[30]).toMatchObject({ wall: T0 + 59, duration: 1 });
      expect(entries[31].wall).toBe(T0 + 90);
      expect(entries[45].wall).toBe(T0 + 118);
    });

    it('keeps PTS continuous across a seek: the segments either side of a restart play as one stream', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
      const id = created.body.sessionId;
      // 100 far ahead restarts the encoder there; then 99 behind it restarts it again.
      const after = await downloadSegment(app.baseUrl, id, 100, scratch);
      const before = await downloadSegment(app.baseUrl, id, 99, scratch);
      const beforeVideo = await packetTimes(before, 'v');
      const afterVideo = await packetTimes(after, 'v');
      expect(afterVideo[0] - beforeVideo.at(-1)!).toBeCloseTo(FRAME, 3);
      expect(afterVideo[0] - 100 * 2).toBeCloseTo(beforeVideo[0] - 99 * 2, 3);
      const beforeAudio = await packetTimes(before, 'a');
      const afterAudio = await packetTimes(after, 'a');
      // An AAC frame at 16 kHz is 64 ms: no audio hole or overlap beyond one frame.
      expect(Math.abs(afterAudio[0] - (beforeAudio.at(-1)! + 0.064))).toBeLessThan(0.07);
    });

    it('serves a range assembled from several encoder runs that concatenates into one clean, continuous stream', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0 + 600, T0 + 660)}`);
      const id = created.body.sessionId;
      await downloadSegment(app.baseUrl, id, 20, scratch); // run 2 from #20
      await downloadSegment(app.baseUrl, id, 10, scratch); // run 3 from #10
      const joined = join(scratch, `${id}-joined.ts`);
      for (let index = 0; index < 31; index += 1) await appendFile(joined, await readFile(await downloadSegment(app.baseUrl, id, index, scratch)));
      expect(await decodeErrors(joined)).toBe('');
      const video = await packetTimes(joined, 'v');
      expect(video).toHaveLength(60 * 15);
      const steps = video.slice(1).map((t, i) => t - video[i]);
      expect(Math.min(...steps)).toBeGreaterThan(FRAME * 0.5);
      expect(Math.max(...steps)).toBeLessThan(FRAME * 1.5);
    });

    it('answers parallel prefetches around a seek without any 5xx, with one encoder working (the one the seek left is paused)', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0 + 60, T0 + 900)}`);
      const id = created.body.sessionId;
      const statuses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => fetch(`${app.baseUrl}/stream/transcode/${id}/${segmentName(200 + i)}`).then((r) => r.status)),
      );
      expect(statuses).toEqual(Array(10).fill(200));
      expect(await encodingFfmpegProcessesUsing(join(app.transcodeDir, id))).toHaveLength(1);
      expect(await ffmpegProcessesUsing(join(app.transcodeDir, id))).toHaveLength(2);
    });

    it.each([
      // Encoded: HEVC, and H.264 browsers do not play (4:4:4). Copied: H.264 they play, full range included (its flag travels with it).
      ['a fractional frame rate (30000/1001)', QUIRKY.ntsc, 320, 240, 'yuv420p'],
      ['an odd frame size (321x241, 4:4:4)', QUIRKY.oddSize, 320, 240, 'yuv420p'],
      ['full-range H.264 (yuvj420p)', QUIRKY.fullRange, 320, 240, 'yuvj420p'],
      ['an H.264 camera with audio', QUIRKY.h264, 320, 240, 'yuv420p'],
    ])('plays %s: every segment is even-sized H.264 (encoded or copied) and the range decodes cleanly', async (_name, camera, width, height, pixelFormat) => {
      const created = await getJson(`${app.baseUrl}${rangeUrl(camera, T0, T0 + 30)}`);
      expect(created.status).toBe(200);
      const joined = join(scratch, `${camera}-joined.ts`);
      const count = (await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text()).match(/^#EXTINF/gm)!.length;
      for (let index = 0; index < count; index += 1) {
        const path = await downloadSegment(app.baseUrl, created.body.sessionId, index, scratch);
        if (index === 0) {
          const video = (await probeStreams(path)).find((s) => s.codec_type === 'video')!;
          expect(video).toMatchObject({ codec_name: 'h264', pix_fmt: pixelFormat });
          expect((video.width! % 2) + (video.height! % 2)).toBe(0);
          expect(Math.abs(video.width! - width)).toBeLessThanOrEqual(2);
          expect(Math.abs(video.height! - height)).toBeLessThanOrEqual(2);
        }
        await appendFile(joined, await readFile(path));
      }
      expect(await decodeErrors(joined)).toBe('');
      expect(ODD_WIDTH % 2).toBe(1);
      expect(ODD_HEIGHT % 2).toBe(1);
    });

    it('plays past a recording whose media data is corrupt: every segment answers, none hangs', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl(QUIRKY.corrupt, T0, T0 + 30)}`);
      expect(created.status).toBe(200);
      const playlist = await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text();
      const count = playlist.match(/^#EXTINF/gm)!.length;
      const statuses: number[] = [];
      for (let index = 0; index < count; index += 1) {
        const response = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/${segmentName(index)}`);
        statuses.push(response.status);
        if (response.status !== 200) expect(((await response.json()) as { success: boolean }).success).toBe(false);
      }
      // The good files before (segments 0-4: 0-9 s) and after (the last 5: 21-30 s) the corrupt one play.
      expect(statuses.slice(0, 5)).toEqual(Array(5).fill(200));
      expect(statuses.slice(-5)).toEqual(Array(5).fill(200));
      expect(statuses.filter((s) => s !== 200 && s !== 502)).toEqual([]);
    });
  });

  describe('work follows the viewer', () => {
    it('pauses ffmpeg LOOKAHEAD_SECONDS ahead of the viewer and resumes it as the viewer advances', async () => {
      const app = await startTestApp({ LOOKAHEAD_SECONDS: '10' });
      try {
        const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
        const dir = join(app.transcodeDir, created.body.sessionId);
        const [pid] = await ffmpegProcessesUsing(dir);
        const listed = async () => (await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions[0];
        await waitFor(async () => (await processState(pid)) === 'T', 20_000);
        expect((await listed()).encoder).toBe('paused');
        const readyWhenPaused = (await listed()).readySegments;
        // 10 s = 5 segments ahead of the viewer at #0.
        expect(readyWhenPaused).toBeGreaterThanOrEqual(6);
        expect(readyWhenPaused).toBeLessThanOrEqual(8);

        expect((await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/${segmentName(4)}`)).status).toBe(200);
        await waitFor(async () => (await listed()).readySegments >= readyWhenPaused + 3, 20_000);
        await waitFor(async () => (await processState(pid)) === 'T', 20_000);
        expect(await ffmpegProcessesUsing(dir)).toEqual([pid]);
      } finally {
        await app.close();
      }
    });

    it('stops ffmpeg after IDLE_TIMEOUT_SECONDS without a request, and a later request resumes the session', async () => {
      const app = await startTestApp({ IDLE_TIMEOUT_SECONDS: '1' });
      try {
        const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
        const dir = join(app.transcodeDir, created.body.sessionId);
        expect(await ffmpegProcessesUsing(dir)).toHaveLength(1);
        await waitFor(async () => (await ffmpegProcessesUsing(dir)).length === 0, 10_000);
        expect((await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions[0]).toMatchObject({ encoder: 'stopped' });

        const later = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/${segmentName(150)}`);
        expect(later.status).toBe(200);
        expect(await ffmpegProcessesUsing(dir)).toHaveLength(1);
      } finally {
        await app.close();
      }
    });
  });
});
