/// <reference lib="dom" />
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { transcodeSessionId } from '@app/transcode';
import { ZOO_T0, zooRecordings } from './support/camera-zoo';
import { ARTIFACTS_DIR, launchChromium } from './support/browser';
import { FakeFrigate, startFakeFrigate } from './support/fake-frigate';
import { firstFramePsnr } from './support/ffprobe';
import { RECORDINGS_DIR } from './support/fixtures';
import { freePort } from './support/net';
import { sample, scrapeMetrics } from './support/prometheus';
import { runsOfSession } from './support/session-runs';
import { SourceFile, probeSource } from './support/source-frames';
import { TestApp, makeScratchDir, startTestApp } from './support/test-app';

const TOKEN = 'viewer-token';
/**
 * 29.97 fps with a 10 s GOP and B-frames (a frame off is a picture off), a recorder restart
 * whose files overlap (where Frigate's timeline counts the overlap twice), and a missing file
 * (a gap, which Frigate's timeline collapses: the seek lands past it).
 */
const CAMERAS = ['zoo_ntsc', 'zoo_restart', 'zoo_gap'];
const HLS_JS = require.resolve('hls.js/dist/hls.min.js');

interface FrigateRecording {
  start_time: number;
  end_time: number;
  duration: number;
}

/**
 * Frigate's web UI against the front door, in Chromium (which cannot play HEVC): hls.js set up
 * as Frigate's HlsVideoPlayer sets it up, the History view's master.m3u8 with Frigate's login
 * cookie, Frigate's own rules from player time to camera time and back (DynamicVideoController:
 * gaps collapsed, the first recording offset by how far into it the range starts), and the
 * picture on screen compared with the source recording's frames.
 */
describe('Frigate’s History view through the front door (e2e, Chromium, hls.js)', () => {
  let frigate: FakeFrigate;
  let app: TestApp;
  let door: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let scratch: string;
  let sources: SourceFile[] = [];

  beforeAll(async () => {
    scratch = await makeScratchDir();
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    frigate = await startFakeFrigate({ cameras: CAMERAS, users: { [TOKEN]: { username: 'viewer', role: 'viewer', allowedCameras: CAMERAS } } });
    const port = await freePort();
    app = await startTestApp({ FRONT_DOOR_PORT: String(port), FRIGATE_URL: frigate.origin });
    door = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
    await browser.context.addCookies([{ name: 'frigate_token', value: TOKEN, url: door }]);
  });

  beforeEach(async () => {
    page = await browser.context.newPage();
    // Frigate's UI page, through the front door: the player runs on the front door's origin.
    await page.goto(`${door}/`);
    await page.addScriptTag({ path: HLS_JS });
  });

  afterEach(async () => {
    await page?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await frigate?.close();
  });

  /** The frame on screen: its player time (requestVideoFrameCallback) and its picture, saved as PNG. */
  async function frameOnScreen(name: string): Promise<{ mediaTime: number; png: string }> {
    const shot = await page.evaluate(
      () =>
        new Promise<{ mediaTime: number; data: string }>((resolve) => {
          const video = document.querySelector('video')!;
          video.requestVideoFrameCallback((_now, meta) => {
            const canvas = document.createElement('canvas');
            [canvas.width, canvas.height] = [video.videoWidth, video.videoHeight];
            canvas.getContext('2d')!.drawImage(video, 0, 0);
            resolve({ mediaTime: meta.mediaTime, data: canvas.toDataURL('image/png') });
          });
          // Paused and moved by a frame's worth of nothing: the frame is presented again.
          video.pause();
          const shown = video.currentTime;
          video.currentTime = shown;
        }),
    );
    const png = join(scratch, `${name}.png`);
    await writeFile(png, Buffer.from(shot.data.split(',')[1], 'base64'));
    return { mediaTime: shot.mediaTime, png };
  }

  /** Which source frame a picture is: the best match among the five around `expected`. */
  async function matchingFrame(png: string, source: SourceFile, expected: number): Promise<number> {
    let best = { frame: -1, psnr: -1 };
    for (let frame = Math.max(0, expected - 2); frame <= Math.min(source.frames.length - 1, expected + 2); frame += 1) {
      const psnr = await firstFramePsnr(png, source.path, frame);
      if (psnr > best.psnr) best = { frame, psnr };
    }
    // The same frame scores about 26 dB (x264 and the canvas's colour conversion), a neighbour about 22.
    expect(best.psnr).toBeGreaterThan(24);
    return best.frame;
  }

  /** ffmpeg runs the app has started so far. */
  const encoderStarts = async () => sample(await scrapeMetrics(app.baseUrl), 'nvr_transcoder_ffmpeg_starts_total', 'encoder="libx264"');

  /**
   * The camera time (epoch seconds) hls.js gives player time `mediaTime`, as a player that shows
   * wall-clock time reads it: the PROGRAM-DATE-TIME of the fragment that holds it, plus the
   * offset into that fragment.
   */
  async function cameraTimeAt(mediaTime: number): Promise<number | null> {
    return page.evaluate((time) => {
      const hls = (window as any).hls;
      const fragments: { start: number; programDateTime: number | null }[] = hls.levels[Math.max(0, hls.currentLevel)]?.details?.fragments ?? [];
      const fragment = fragments.filter((candidate) => candidate.start <= time + 1e-6).at(-1);
      return fragment?.programDateTime == null ? null : fragment.programDateTime / 1000 + (time - fragment.start);
    }, mediaTime);
  }

  /** The fragment hls.js plays at player time `position`: its sequence number (our segment index). */
  async function fragmentAt(position: number): Promise<number> {
    return page.evaluate((time) => {
      const hls = (window as any).hls;
      const fragments: { start: number; duration: number; sn: number }[] = hls.levels[Math.max(0, hls.currentLevel)].details.fragments;
      return fragments.find((fragment) => fragment.start <= time && time < fragment.start + fragment.duration)!.sn;
    }, position);
  }

  /** Camera time of a player time, by Frigate's rule; then the source file and frame index it names. */
  function sourceFrameAt(playerTime: number, recordings: FrigateRecording[], inpointOffset: number): { timestamp: number; source: SourceFile; frame: number } {
    // DynamicVideoController.getProgress(currentTime + inpointOffset).
    let total = 0;
    let timestamp = 0;
    const shifted = playerTime + inpointOffset;
    for (const recording of recordings) {
      if (total + recording.duration > shifted) {
        timestamp = recording.start_time + (shifted - total);
        break;
      }
      total += recording.duration;
    }
    const source = [...sources].reverse().find((file) => file.startTime <= timestamp + 1e-6)!;
    const intoFile = timestamp - source.startTime;
    // The frame on screen at that time: the last one that started by then.
    let frame = 0;
    while (frame + 1 < source.frames.length && source.frames[frame + 1] <= intoFile + 1e-3) frame += 1;
    return { timestamp, source, frame };
  }

  it.each(CAMERAS)(
    '%s: plays the History view’s master.m3u8, seeks as History does, and shows the camera time Frigate’s timeline says, to the frame',
    async (CAMERA) => {
      sources = await Promise.all((await zooRecordings(RECORDINGS_DIR, CAMERA)).map((file) => probeSource(file.path, file.startTime)));
      // A History chunk that starts inside a recording (0.37 s into the first file): zoo_gap's gap
      // then falls 0.74 s into a 2 s segment of the grid, which would span it but for the cut there.
      const after = ZOO_T0 + 0.37;
      const before = ZOO_T0 + 40;
      const recordings = (await (await page.request.get(`${door}/api/${CAMERA}/recordings?after=${after}&before=${before}`)).json()) as FrigateRecording[];
      // Frigate's recordings API lists the files that overlap the range, which the timeline is made of.
      expect(recordings.map((r) => r.start_time)).toEqual(
        sources.filter((f) => f.startTime < before && f.startTime + f.duration > after).map((f) => f.startTime),
      );
      // videoUtil.calculateInpointOffset.
      const first = recordings[0];
      const inpointOffset = first.start_time < after && first.end_time > after ? after - first.start_time : 0;
      // videoUtil.calculateSeekPosition: camera time to player time.
      const seekPosition = (timestamp: number) => {
        let seconds = 0;
        for (const recording of recordings) {
          if (recording.start_time > timestamp) break;
          seconds += recording.end_time < timestamp ? recording.end_time - recording.start_time : timestamp - recording.start_time;
        }
        return seconds - inpointOffset;
      };

      const startPosition = seekPosition(after + 4.2);
      const startsBefore = await encoderStarts();
      await page.evaluate(
        ({ playlist, startPosition: start }) => {
          document.body.insertAdjacentHTML('beforeend', '<video muted playsinline></video>');
          const video = document.querySelector('video')!;
          const w = window as any;
          w.fatal = [];
          // HlsVideoPlayer's configuration.
          const hls = new w.Hls({ maxBufferLength: 10, maxBufferSize: 20 * 1000 * 1000, startPosition: start });
          hls.on(w.Hls.Events.ERROR, (_event: unknown, data: { fatal: boolean; details: string }) => data.fatal && w.fatal.push(data.details));
          hls.attachMedia(video);
          hls.loadSource(playlist);
          w.hls = hls;
          void video.play();
        },
        { playlist: `/vod/${CAMERA}/start/${after}/end/${before}/master.m3u8`, startPosition },
      );
      await page.waitForFunction((start) => document.querySelector('video')!.currentTime >= start + 1, startPosition, { timeout: 60_000 });
      expect(await page.evaluate(() => (window as any).fatal)).toEqual([]);
      // Opening the chunk's playlists started nothing: one run, from the deep link's segment.
      const deepLink = await fragmentAt(startPosition);
      expect(deepLink).toBeGreaterThan(0);
      expect({
        starts: (await encoderStarts()) - startsBefore,
        runs: await runsOfSession(app.transcodeDir, transcodeSessionId(CAMERA, after, before)),
      }).toEqual({
        starts: 1,
        runs: [{ run: 1, firstSegment: deepLink }],
      });

      /** The frame on screen against Frigate's mapping; its camera time, and the one hls.js gives it from PROGRAM-DATE-TIME. */
      const check = async (name: string) => {
        const shown = await frameOnScreen(`${CAMERA}-${name}`);
        const { timestamp, source, frame } = sourceFrameAt(shown.mediaTime, recordings, inpointOffset);
        expect({ name, frame: Math.abs((await matchingFrame(shown.png, source, frame)) - frame) <= 1 }).toEqual({ name, frame: true });
        const frameSeconds = (source.frames.at(-1)! - source.frames[0]) / (source.frames.length - 1);
        return { mediaTime: shown.mediaTime, cameraTime: timestamp, programDateTime: await cameraTimeAt(shown.mediaTime), frameSeconds };
      };
      const played = await check('played');
      expect(played.mediaTime).toBeGreaterThan(startPosition);
      // Before the range's first jump in camera time, PROGRAM-DATE-TIME names the frame on screen (within a frame).
      expect(Math.abs(played.programDateTime! - played.cameraTime)).toBeLessThan(played.frameSeconds);

      // History's seekToTimestamp, then play on: just past the range's gap where it has one (into
      // the segment a jump in the camera's clock would have spanned), else 30.2 s past its start.
      const gapAt = recordings.findIndex((recording, i) => i > 0 && recording.start_time - recordings[i - 1].end_time > 1);
      const target = gapAt > 0 ? recordings[gapAt].start_time + 0.3 : after + 30.2;
      const playOn = gapAt > 0 ? 0.2 : 1;
      await page.evaluate((position) => {
        const video = document.querySelector('video')!;
        video.addEventListener('seeked', () => void video.play(), { once: true });
        video.currentTime = position;
      }, seekPosition(target));
      await page.waitForFunction(
        ({ position, margin }) => document.querySelector('video')!.currentTime >= position + margin,
        { position: seekPosition(target), margin: playOn },
        {
          timeout: 60_000,
        },
      );
      const seeked = await check('seeked');
      expect(seeked.mediaTime).toBeGreaterThan(seekPosition(target));
      // Past the gap (a file missing), and past the restart's overlap, PROGRAM-DATE-TIME still names
      // the frame on screen: a segment starts at the jump, and carries its own time.
      expect(Math.abs(seeked.programDateTime! - seeked.cameraTime)).toBeLessThan(seeked.frameSeconds);
      expect(await page.evaluate(() => (window as any).fatal)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS_DIR, `front-door-history-${CAMERA}.png`) });
    },
  );
});
