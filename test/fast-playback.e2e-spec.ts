import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIM, ZOO_T0, zooRecordings } from './support/camera-zoo';
import { firstFramePsnr, packetTimes, probeStreams } from './support/ffprobe';
import { RECORDINGS_DIR } from './support/fixtures';
import { SourceFile, probeSource } from './support/source-frames';
import { TestApp, ffmpegProcessesUsing, getJson, rangeUrl, startTestApp, waitFor, processState } from './support/test-app';
import { downloadSegment, parsePlaylist, segmentName } from './support/media-playlist';

/**
 * Fast playback (?speed=N) on a camera recorded as Frigate records one (12.5 fps, 2 s GOP, cut at
 * keyframes, files named after their start), with real ffmpeg: each segment lasts what the
 * playlist says (its recordings' length divided by the speed), and its first frame is the frame
 * the camera recorded at the segment's PROGRAM-DATE-TIME.
 */
describe('fast playback: speed renditions (e2e)', () => {
  let app: TestApp;
  let scratch: string;
  let sources: SourceFile[];

  beforeAll(async () => {
    app = await startTestApp();
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-fast-'));
    const files = await zooRecordings(RECORDINGS_DIR, SKIM.camera);
    sources = await Promise.all(files.map((file) => probeSource(file.path, file.startTime)));
  });

  afterAll(async () => {
    await app?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  /** The source file and frame number the camera recorded at wall clock `at` (a frame must be there, to the millisecond). */
  function sourceFrameAt(at: number): { path: string; frame: number } {
    const file = [...sources].reverse().find((source) => source.startTime <= at + 1e-6)!;
    const frame = file.frames.findIndex((time) => Math.abs(file.startTime + time - at) < 0.002);
    expect(frame).toBeGreaterThanOrEqual(0);
    return { path: file.path, frame };
  }

  async function checkSegments(speed: number, from: number, to: number, firstFetched: number) {
    const created = await getJson(`${app.baseUrl}${rangeUrl(SKIM.camera, from, to)}?speed=${speed}`);
    expect(created.status).toBe(200);
    expect(created.body.speed).toBe(speed);
    const id: string = created.body.sessionId;
    const playlist = parsePlaylist(await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text());
    const total = playlist.reduce((sum, segment) => sum + segment.durationSeconds, 0);
    expect(Math.abs(total - created.body.durationSeconds)).toBeLessThan(0.01);
    // The range's recordings, divided by the speed (less a keyframe's wait at most, where it starts).
    expect(total).toBeLessThanOrEqual((to - from) / speed + 0.01);
    expect(total).toBeGreaterThan((to - from - 2) / speed);
    // A seek first (a run that starts mid-range), then every segment in order.
    const paths: string[] = [];
    paths[firstFetched] = await downloadSegment(app.baseUrl, id, firstFetched, scratch);
    for (let index = 0; index < playlist.length; index += 1) paths[index] ??= await downloadSegment(app.baseUrl, id, index, scratch);
    const firstTimes = await Promise.all(paths.map(async (path) => (await packetTimes(path, 'v'))[0]));
    let planned = 0;
    for (const [index, segment] of playlist.entries()) {
      // Where it starts is where the playlist puts it, to the millisecond (the seek's run too).
      expect(Math.abs(firstTimes[index] - firstTimes[0] - planned)).toBeLessThan(0.002);
      planned += segment.durationSeconds;
      // Its first frame is the camera's frame at its PROGRAM-DATE-TIME.
      const source = sourceFrameAt(segment.wallClock);
      expect(await firstFramePsnr(paths[index], source.path, source.frame)).toBeGreaterThan(30);
    }
    const streams = await probeStreams(paths[1]);
    expect(streams.map((stream) => stream.codec_type)).toEqual(['video']);
    const listed = (await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions.find((session: { sessionId: string }) => session.sessionId === id);
    expect(listed).toMatchObject({ video: 'fast', speed, videoEncoder: 'libx264' });
    return { id, playlist, paths };
  }

  it('16× (keyframes only, 8 a second of output): planned lengths, camera times on the right frames, video only', async () => {
    const { playlist, paths } = await checkSegments(16, ZOO_T0 + 3.37, ZOO_T0 + 303.37, 5);
    // 2 s of output per segment (32 s of recordings), the first 1 s.
    expect(playlist[0].durationSeconds).toBeCloseTo(1, 1);
    expect(playlist.slice(1, -1).every((segment) => Math.abs(segment.durationSeconds - 2) < 0.01)).toBe(true);
    // Keyframes only: one frame per 2 s of recordings, 0.125 s apart at 16×.
    const times = await packetTimes(paths[2], 'v');
    expect(times).toHaveLength(16);
    for (let i = 1; i < times.length; i += 1) expect(times[i] - times[i - 1]).toBeCloseTo(0.125, 3);
  });

  it('8× (every frame decoded, one kept per slot): planned lengths and camera times, 12.5 frames a second at most', async () => {
    const { paths } = await checkSegments(8, ZOO_T0 + 7.3, ZOO_T0 + 127.3, 4);
    const times = await packetTimes(paths[3], 'v');
    // 8 × (1 / 12.5) = 0.64 s of recordings per output frame: 0.08 s apart in the output.
    for (let i = 1; i < times.length; i += 1) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(0.08 - 0.002);
    expect(times.length).toBeGreaterThanOrEqual(24);
  });

  it('is a session of its own per speed, the same one for the same speed; any other speed is a 400 JSON', async () => {
    const url = `${app.baseUrl}${rangeUrl(SKIM.camera, ZOO_T0 + 20, ZOO_T0 + 80)}`;
    const [normal, fast, again] = await Promise.all([getJson(url), getJson(`${url}?speed=4`), getJson(`${url}?speed=4`)]);
    expect([normal.status, fast.status, again.status]).toEqual([200, 200, 200]);
    expect(fast.body.sessionId).toBe(again.body.sessionId);
    expect(fast.body.sessionId).not.toBe(normal.body.sessionId);
    expect(fast.body.durationSeconds).toBeCloseTo(normal.body.durationSeconds / 4, 1);
    for (const bad of ['3', '0', '-16', '1e1', 'fast']) {
      const refused = await getJson(`${url}?speed=${bad}`);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ success: false, message: expect.stringContaining('speed must be one of 1, 2, 4, 8, 16, 32') });
    }
  });

  it('pauses LOOKAHEAD_SECONDS of output ahead of the viewer and resumes as the viewer advances, as at 1×', async () => {
    const paced = await startTestApp({ LOOKAHEAD_SECONDS: '4' });
    try {
      const created = await getJson(`${paced.baseUrl}${rangeUrl(SKIM.camera, ZOO_T0 + 1, ZOO_T0 + 311)}?speed=8`);
      const dir = join(paced.transcodeDir, created.body.sessionId);
      const [pid] = await ffmpegProcessesUsing(dir);
      const listed = async () => (await getJson(`${paced.baseUrl}/transcode/sessions`)).body.sessions[0];
      await waitFor(async () => (await processState(pid)) === 'T', 20_000);
      const readyWhenPaused = (await listed()).readySegments;
      // 4 s of output = 2 segments ahead of the viewer at #0 (of 20).
      expect(readyWhenPaused).toBeGreaterThanOrEqual(3);
      expect(readyWhenPaused).toBeLessThanOrEqual(5);
      expect((await fetch(`${paced.baseUrl}/stream/transcode/${created.body.sessionId}/${segmentName(3)}`)).status).toBe(200);
      await waitFor(async () => (await listed()).readySegments >= readyWhenPaused + 2, 20_000);
      await waitFor(async () => (await processState(pid)) === 'T', 20_000);
      expect(await ffmpegProcessesUsing(dir)).toEqual([pid]);
    } finally {
      await paced.close();
    }
  });

  it('stops its encoder after IDLE_TIMEOUT_SECONDS without a request, and a seek later starts it again there', async () => {
    // (A short lookahead keeps the run from making the whole range before it is idle.)
    const idle = await startTestApp({ IDLE_TIMEOUT_SECONDS: '1', LOOKAHEAD_SECONDS: '4' });
    try {
      const created = await getJson(`${idle.baseUrl}${rangeUrl(SKIM.camera, ZOO_T0 + 1, ZOO_T0 + 311)}?speed=8`);
      const dir = join(idle.transcodeDir, created.body.sessionId);
      const listed = async () => (await getJson(`${idle.baseUrl}/transcode/sessions`)).body.sessions[0];
      await waitFor(async () => (await ffmpegProcessesUsing(dir)).length === 0, 10_000);
      expect(await listed()).toMatchObject({ encoder: 'stopped' });
      expect((await listed()).readySegments).toBeLessThan(8);
      const later = await fetch(`${idle.baseUrl}/stream/transcode/${created.body.sessionId}/${segmentName(15)}`);
      expect(later.status).toBe(200);
      // A new run from there, paused LOOKAHEAD_SECONDS ahead of it.
      expect(await ffmpegProcessesUsing(dir)).toHaveLength(1);
    } finally {
      await idle.close();
    }
  });

  it('lists the speed in OpenAPI, with the speeds it takes', async () => {
    const document = (await getJson(`${app.baseUrl}/docs-json`)).body;
    const create = document.paths['/transcode/{camera}/start/{start}/end/{end}'].get;
    const speed = create.parameters.find((parameter: { name: string }) => parameter.name === 'speed');
    expect(speed).toMatchObject({ in: 'query', required: false, schema: { enum: ['1', '2', '4', '8', '16', '32'] } });
  });
});
