/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import type { Page } from 'playwright-core';
import { LONG, T0 } from './support/fixtures';
import { ARTIFACTS_DIR, launchChromium } from './support/browser';
import { TestApp, getJson, rangeUrl, startTestApp } from './support/test-app';

const SECRET = 'player-e2e-secret-0123456789abcdef';
const adminToken = () => sign({ sub: 'admin', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 }, Buffer.from(SECRET), { algorithm: 'HS256' });
const HEVC = 'video/mp4; codecs="hvc1.1.6.L93.B0"';

/** The player page and a bare hls.js page in real Chromium, against the real app. */
describe('watching in a browser without HEVC (e2e, Chromium)', () => {
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    app = await startTestApp({ AUTH_DISABLED: 'false', JWT_SECRET: SECRET });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await mkdir(ARTIFACTS_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const videoState = (p: Page) =>
    p.evaluate(() => {
      const video = document.querySelector('video')!;
      return { time: video.currentTime, width: video.videoWidth, height: video.videoHeight, duration: video.duration };
    });

  it('runs in a Chromium that cannot play HEVC', async () => {
    await page.goto(`${app.baseUrl}/health`);
    const support = await page.evaluate(
      (type) => ({
        canPlayType: document.createElement('video').canPlayType(type),
        mediaSource: MediaSource.isTypeSupported(type),
      }),
      HEVC,
    );
    expect(support).toEqual({ canPlayType: '', mediaSource: false });
  });

  it('signs in with a token, picks a camera and a range, plays, seeks, and shows the camera time', async () => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(app.baseUrl);
    await page.waitForFunction(() => /Sign in/.test(document.getElementById('status')!.textContent ?? ''));
    await page.fill('#token', adminToken());
    await page.click('#signin button');
    await page.waitForFunction((camera) => [...document.querySelectorAll('#camera option')].some((o) => o.textContent === camera), LONG.camera);
    await page.selectOption('#camera', LONG.camera);
    await page.fill('#day', new Date(T0 * 1000).toISOString().slice(0, 10));
    await page.dispatchEvent('#day', 'change');
    await page.waitForSelector('#timeline .span');
    const iso = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 19);
    await page.fill('#start', iso(T0));
    await page.fill('#end', iso(T0 + 600));
    await page.click('#play');

    await page.waitForFunction(() => document.querySelector('video')!.currentTime >= 3, undefined, { timeout: 60_000 });
    const playing = await videoState(page);
    expect([playing.width, playing.height]).toEqual([320, 240]);
    expect(await page.evaluate(() => (window as any).playerState.fatalErrors)).toEqual([]);
    const clock = await page.evaluate(() => Number(document.getElementById('clock')!.dataset.epoch));
    const time = (await videoState(page)).time;
    expect(Math.abs(clock - (T0 + time))).toBeLessThan(1.5);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'player-playing.png') });

    // Seek to 80%: it plays on from there (a restart of ffmpeg at that segment).
    const target = playing.duration * 0.8;
    const seekStarted = Date.now();
    await page.evaluate((t) => (document.querySelector('video')!.currentTime = t), target);
    await page.waitForFunction((t) => document.querySelector('video')!.currentTime >= t + 1, target, { timeout: 15_000 });
    process.stdout.write(`[player] seek to 80% played on after ${Date.now() - seekStarted} ms\n`);
    expect(await page.evaluate(() => (window as any).playerState.fatalErrors)).toEqual([]);
    const afterSeek = await page.evaluate(() => ({
      clock: Number(document.getElementById('clock')!.dataset.epoch),
      time: document.querySelector('video')!.currentTime,
    }));
    expect(Math.abs(afterSeek.clock - (T0 + afterSeek.time))).toBeLessThan(1.5);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'player-after-seek.png') });
    // The page, hls.js and its worker all run under the Content-Security-Policy.
    expect(violations).toEqual([]);
  });

  it('changes to 16× where the viewer is, and its camera clock runs 16 times as fast as the player (from PROGRAM-DATE-TIME)', async () => {
    const clockAndTime = () =>
      page.evaluate(() => ({
        epoch: Number(document.getElementById('clock')!.dataset.epoch),
        time: Number(document.getElementById('clock')!.dataset.playerTime),
        speed: (window as any).playerState.speed as number,
      }));
    const before = await clockAndTime();
    expect(before.speed).toBe(1);
    await page.selectOption('#speed', '16');
    await page.waitForFunction(() => (window as any).playerState.speed === 16, undefined, { timeout: 30_000 });
    // Playing on at 16×: a second of the player shows 16 of the camera.
    await page.waitForFunction(() => !document.querySelector('video')!.paused && document.querySelector('video')!.readyState >= 3, undefined, {
      timeout: 30_000,
    });
    const first = await clockAndTime();
    await page.waitForFunction((t) => document.querySelector('video')!.currentTime >= t + 2, first.time, { timeout: 30_000 });
    const second = await clockAndTime();
    expect((second.epoch - first.epoch) / (second.time - first.time)).toBeCloseTo(16, 0);
    // It went on from the camera time the viewer was at (a 16× segment is 32 s of the camera).
    expect(Math.abs(first.epoch - before.epoch)).toBeLessThan(16);
    // The clock is the playlist's: the segment's PROGRAM-DATE-TIME plus 16 times the time into it.
    const playlist = await page.evaluate(() => {
      const hls = (window as any).playerState.hls;
      return hls.levels[Math.max(0, hls.currentLevel)].details.fragments.map((f: any) => ({ start: f.start, duration: f.duration, pdt: f.programDateTime }));
    });
    const fragment = playlist.find((f: { start: number; duration: number }) => second.time >= f.start && second.time < f.start + f.duration)!;
    expect(second.epoch).toBeCloseTo(fragment.pdt / 1000 + (second.time - fragment.start) * 16, 3);
    expect(second.epoch).toBeLessThanOrEqual(T0 + 600);
    expect(await page.evaluate(() => (window as any).playerState.fatalErrors)).toEqual([]);
  });

  it('plays the returned playlist URL (stream token, no headers, no cookie) through hls.js on a bare page', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0 + 600, T0 + 900)}`, {
      headers: { authorization: `Bearer ${adminToken()}` },
    });
    expect(created.status).toBe(200);
    const bare = await browser.context.newPage();
    await bare.goto(`${app.baseUrl}/health`);
    await bare.setContent(`<video muted autoplay></video><script src="/vendor/hls.min.js"></script>`);
    await bare.waitForFunction(() => typeof (window as any).Hls === 'function');
    await bare.evaluate((url) => {
      const w = window as any;
      w.fatal = [];
      const hls = new w.Hls();
      hls.on(w.Hls.Events.ERROR, (_e: unknown, data: any) => data.fatal && w.fatal.push(data.details));
      hls.loadSource(url);
      hls.attachMedia(document.querySelector('video'));
    }, created.body.playlist);
    await bare.waitForFunction(() => document.querySelector('video')!.currentTime >= 3, undefined, { timeout: 60_000 });
    expect(await bare.evaluate(() => (window as any).fatal)).toEqual([]);
    await bare.screenshot({ path: join(ARTIFACTS_DIR, 'bare-hls-stream-token.png') });
    await bare.close();
  });

  it('renders Swagger UI under the Content-Security-Policy, with no violation', async () => {
    const docs = await browser.context.newPage();
    const violations: string[] = [];
    docs.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await docs.goto(`${app.baseUrl}/docs`);
    await docs.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
    const paths = await docs.$$eval('.opblock-summary-path', (elements) => elements.map((e) => e.textContent ?? ''));
    expect(paths.some((path) => path.includes('/transcode/{camera}/start/{start}/end/{end}'))).toBe(true);
    expect(violations).toEqual([]);
    await docs.close();
  });

  it('can be driven by keyboard: Tab reaches every control in order', async () => {
    const keyboard = await browser.context.newPage();
    await keyboard.goto(app.baseUrl);
    const reached: string[] = [];
    // Date and time inputs take one Tab per field (day, month, year, hours…).
    for (let i = 0; i < 40; i += 1) {
      await keyboard.keyboard.press('Tab');
      reached.push(await keyboard.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''));
    }
    const order = ['token', 'camera', 'day', 'start', 'end', 'speed', 'play', 'export'].map((id) => reached.indexOf(id));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    await keyboard.close();
  });

  it('is usable at phone width', async () => {
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(app.baseUrl);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS_DIR, 'player-phone.png'), fullPage: true });
    await phone.close();
  });
});
