import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, types } from 'hls-parser';
import { sign } from 'jsonwebtoken';
import WebSocket from 'ws';
import { RECORDING_SOURCE, RecordingSource } from '@app/recordings';
import { transcodeSessionId } from '@app/transcode';
import { expectOnTheCameraClock, segmentClocks } from './support/camera-clock';
import { ZOO_T0, zooRecordings } from './support/camera-zoo';
import { FakeFrigate, FRIGATE_UI_PAGE, SERVED_BY, startFakeFrigate } from './support/fake-frigate';
import { writeFrigateDb } from './support/frigate-db';
import { startFrigateVodServer } from './support/frigate-vod-server';
import { BACK, FIXTURES_DIR, FRONT, QUIRKY, RECORDINGS_DIR, T0 } from './support/fixtures';
import { probeStreams, spsCodecOf } from './support/ffprobe';
import { parsePlaylist, segmentName } from './support/media-playlist';
import { freePort } from './support/net';
import { probeSource } from './support/source-frames';
import { sample, scrapeMetrics } from './support/prometheus';
import { runsOfSession } from './support/session-runs';
import { TestApp, ffmpegProcessesUsing, makeScratchDir, startTestApp } from './support/test-app';

const STALLING_FFMPEG = join(__dirname, 'support', 'stalling-ffmpeg.sh');
const ADMIN = 'admin-token';
const FRONT_ONLY = 'front-only-token';
/** A login Frigate knows and refuses (its /api/auth answers 403). */
const REFUSED = 'refused-token';
/** An event of the front camera that starts and ends inside files, as events do. */
const EVENT_ID = '1700000003.5-abc123';
/** Zoo cameras whose clock jumps between files: a gap, a restart, B-frames with whole-second names off their files' lengths. */
const JUMPING_CAMERAS = ['zoo_gap', 'zoo_restart', 'zoo_drift20'];
/** An event of the back camera, which the porch viewer may not watch. */
const BACK_EVENT_ID = '1700000012.5-def456';

/**
 * The front door before a Frigate (a stand-in that answers as Frigate's nginx and API do):
 * Frigate's /vod URLs in the forms its UI and Home Assistant ask, answered with H.264 HLS for
 * H.265 recordings, everything else passed to Frigate, and Frigate deciding who may watch what.
 */
describe('Frigate front door (e2e, real HTTP and ffmpeg, a stand-in Frigate)', () => {
  let frigate: FakeFrigate;
  let app: TestApp;
  let door: string;
  let scratch: string;

  async function startDoor(env: Record<string, string> = {}): Promise<{ app: TestApp; door: string }> {
    const port = await freePort();
    const started = await startTestApp({ FRONT_DOOR_PORT: String(port), FRIGATE_URL: frigate.origin, ...env });
    return { app: started, door: `http://127.0.0.1:${port}` };
  }

  const get = (path: string, token: string | null = ADMIN, base = door) =>
    fetch(`${base}${path}`, { headers: token ? { cookie: `theme=dark; frigate_token=${token}` } : {} });

  async function playlist<T extends types.Playlist>(path: string, token: string | null = ADMIN): Promise<T> {
    const response = await get(path, token);
    expect({ path, status: response.status, type: response.headers.get('content-type') }).toEqual({
      path,
      status: 200,
      type: 'application/vnd.apple.mpegurl',
    });
    expect(response.headers.get('x-served-by')).toBeNull();
    return parse(await response.text()) as unknown as T;
  }

  /** A segment through the front door, saved for ffprobe. */
  async function segment(path: string, token: string | null = ADMIN, base = door): Promise<string> {
    const response = await get(path, token, base);
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
    const file = join(scratch, `${Math.random().toString(36).slice(2)}.ts`);
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    return file;
  }

  beforeAll(async () => {
    scratch = await makeScratchDir();
    frigate = await startFakeFrigate({
      cameras: [FRONT.camera, BACK.camera, QUIRKY.h264, ...JUMPING_CAMERAS],
      users: {
        [ADMIN]: { username: 'admin', role: 'admin', allowedCameras: [FRONT.camera, BACK.camera, QUIRKY.h264, ...JUMPING_CAMERAS] },
        [FRONT_ONLY]: { username: 'porch', role: 'porch_viewer', allowedCameras: [FRONT.camera] },
        [REFUSED]: { username: 'blocked', role: 'viewer', allowedCameras: [FRONT.camera], refused: true },
      },
      events: {
        [EVENT_ID]: { camera: FRONT.camera, start_time: T0 + 3.5, end_time: T0 + 17.25 },
        [BACK_EVENT_ID]: { camera: BACK.camera, start_time: T0 + 12.5, end_time: T0 + 24 },
      },
    });
    ({ app, door } = await startDoor());
  });

  afterAll(async () => {
    await app?.close();
    await frigate?.close();
  });

  it('answers the History view’s master.m3u8 with one H.264 variant, and its media playlist, whose segments are H.264', async () => {
    const base = `/vod/${FRONT.camera}/start/${T0}/end/${T0 + 120}`;
    const master = await playlist<types.MasterPlaylist>(`${base}/master.m3u8`);
    expect(master.isMasterPlaylist).toBe(true);
    expect(master.variants).toHaveLength(1);
    expect(master.variants[0]).toMatchObject({ uri: 'index.m3u8', codecs: expect.stringMatching(/^avc1\./) });
    expect(master.variants[0].resolution).toEqual({ width: 320, height: 240 });

    const media = await playlist<types.MediaPlaylist>(`${base}/index.m3u8`);
    expect(media.playlistType).toBe('VOD');
    expect(media.endlist).toBe(true);
    // Gaps collapse as in Frigate's own VOD: 9 files of 10 s (three are missing).
    const total = media.segments.reduce((sum, s) => sum + s.duration, 0);
    expect(total).toBeCloseTo(90, 0);
    for (const s of media.segments) expect(s.uri).toMatch(/^seg_\d{5}\.ts$/);

    const first = await segment(`${base}/${media.segments[0].uri}`);
    expect((await probeStreams(first)).find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
    // CODECS names the stream's own SPS (nginx-vod reads it from the stream): libx264 at
    // ultrafast writes Constrained Baseline 4.1, and AAC-LC beside it.
    const sps = await spsCodecOf(first);
    expect({ codecs: master.variants[0].codecs, sps }).toEqual({ codecs: `${sps},mp4a.40.2`, sps: 'avc1.42c029' });
  });

  it.each(JUMPING_CAMERAS)(
    'plays a History range of %s with every frame at its segment’s PROGRAM-DATE-TIME plus its offset, within half a frame, each segment ending where its EXTINF says',
    async (camera) => {
      const sources = await Promise.all((await zooRecordings(RECORDINGS_DIR, camera)).map((file) => probeSource(file.path, file.startTime)));
      const last = sources.at(-1)!;
      const range = { start: ZOO_T0 + 1.37, end: Math.round((last.startTime + last.duration - 1.61) * 1000) / 1000 };
      const base = `/vod/${camera}/start/${range.start}/end/${range.end}`;
      const media = await get(`${base}/index.m3u8`);
      expect(media.status).toBe(200);
      const segments = [];
      for (const [index, entry] of parsePlaylist(await media.text()).entries()) {
        segments.push({ ...entry, path: await segment(`${base}/${segmentName(index)}`) });
      }
      expectOnTheCameraClock(await segmentClocks(sources, range, segments), sources);
    },
  );

  it('copies the query string onto every URI, in Home Assistant’s hour form and event form, and serves the segments they name', async () => {
    const query = 'authSig=eyJhbGciOi.signed&extra=1';
    // T0 is 22:13:20 UTC: the hour 22 of 2023-11-14 holds the front camera's recordings.
    const hour = `/vod/2023-11/14/22/${FRONT.camera}/utc`;
    const hourMaster = await playlist<types.MasterPlaylist>(`${hour}/master.m3u8?${query}`);
    expect(hourMaster.variants[0].uri).toBe(`index.m3u8?${query}`);
    const hourMedia = await playlist<types.MediaPlaylist>(`${hour}/index.m3u8?${query}`);
    expect(hourMedia.segments.length).toBeGreaterThan(10);
    for (const s of hourMedia.segments) expect(s.uri).toMatch(new RegExp(`^seg_\\d{5}\\.ts\\?${query.replace(/\./g, '\\.')}$`));
    await segment(`${hour}/${hourMedia.segments[1].uri}`);

    // The event's own times (3.5 s to 17.25 s past T0): 13.75 s of video.
    const event = `/vod/event/${EVENT_ID}`;
    const eventMaster = await playlist<types.MasterPlaylist>(`${event}/master.m3u8?${query}`);
    expect(eventMaster.variants[0].uri).toBe(`index.m3u8?${query}`);
    const eventMedia = await playlist<types.MediaPlaylist>(`${event}/index.m3u8?${query}`);
    expect(eventMedia.segments.reduce((sum, s) => sum + s.duration, 0)).toBeCloseTo(13.75, 1);
    for (const s of eventMedia.segments) expect(s.uri.endsWith(`?${query}`)).toBe(true);
    await segment(`${event}/${eventMedia.segments.at(-1)!.uri}`);
  });

  it('answers Frigate 0.17’s main-stream form and the clip form with H.264, and leaves the sub stream to Frigate', async () => {
    const range = `start/${T0 + 1.5}/end/${T0 + 25}`;
    for (const base of [`/vod/${FRONT.camera}/main/${range}`, `/vod/clip/${FRONT.camera}/${range}`]) {
      const master = await playlist<types.MasterPlaylist>(`${base}/master.m3u8`);
      expect(master.variants[0].codecs).toMatch(/^avc1\./);
      const media = await playlist<types.MediaPlaylist>(`${base}/index.m3u8`);
      expect(media.segments.reduce((sum, s) => sum + s.duration, 0)).toBeCloseTo(23.5, 1);
      const file = await segment(`${base}/${media.segments[0].uri}`);
      expect((await probeStreams(file)).find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
    }
    // Frigate's sub stream is its own (recorded low-resolution, usually H.264): passed through.
    const sub = await get(`/vod/${FRONT.camera}/sub/${range}/master.m3u8`);
    expect(sub.headers.get('x-served-by')).toBe(SERVED_BY);
  });

  it('answers both playlists at once, without waiting for the encoder: only a segment waits (here, for an encoder that never writes)', async () => {
    const stalled = await startDoor({ FFMPEG_PATH: STALLING_FFMPEG, SEGMENT_WAIT_TIMEOUT_SECONDS: '2' });
    try {
      const base = `/vod/${BACK.camera}/start/${T0}/end/${T0 + 30}`;
      const master = await get(`${base}/master.m3u8`, ADMIN, stalled.door);
      const media = await get(`${base}/index.m3u8`, ADMIN, stalled.door);
      expect([master.status, media.status]).toEqual([200, 200]);
      const first = await get(`${base}/seg_00000.ts`, ADMIN, stalled.door);
      expect(first.status).toBe(504);
      expect(await first.json()).toEqual({ success: false, message: expect.any(String) });
    } finally {
      await stalled.app.close();
    }
  });

  it('starts nothing for the History view’s playlists: the first segment it asks (its deep link, mid-range) starts exactly one run, there', async () => {
    const fresh = await startDoor();
    try {
      const starts = async () => sample(await scrapeMetrics(fresh.app.baseUrl), 'nvr_transcoder_ffmpeg_starts_total', 'encoder="libx264"');
      const range = [T0 + 0.5, T0 + 120] as const;
      const id = transcodeSessionId(FRONT.camera, ...range);
      const base = `/vod/${FRONT.camera}/start/${range[0]}/end/${range[1]}`;
      const text = async (path: string) => {
        const response = await get(path, ADMIN, fresh.door);
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
        return response.text();
      };
      await text(`${base}/master.m3u8`);
      const media = parse(await text(`${base}/index.m3u8`)) as types.MediaPlaylist;
      // Asked after both playlists were answered: the session is there, opened, with nothing running.
      const listed = (await (await fetch(`${fresh.app.baseUrl}/transcode/sessions`)).json()) as {
        sessions: { sessionId: string; state: string; pid: number | null }[];
      };
      expect(listed.sessions.map(({ sessionId, state, pid }) => ({ sessionId, state, pid }))).toEqual([{ sessionId: id, state: 'opened', pid: null }]);
      expect({ starts: await starts(), processes: await ffmpegProcessesUsing(fresh.app.transcodeDir) }).toEqual({ starts: 0, processes: [] });

      // The deep link: a segment mid-range, past what a run from the top would be waited for.
      const deepLink = Math.floor(media.segments.length / 2);
      expect(deepLink).toBeGreaterThan(12);
      await segment(`${base}/${media.segments[deepLink].uri}`, ADMIN, fresh.door);
      expect({ starts: await starts(), runs: await runsOfSession(fresh.app.transcodeDir, id) }).toEqual({
        starts: 1,
        runs: [{ run: 1, firstSegment: deepLink }],
      });
    } finally {
      await fresh.app.close();
    }
  });

  it('is 401 without a Frigate login or with one Frigate does not know, 403 for a login Frigate refuses and on every file of a camera the user may not watch', async () => {
    const base = `/vod/${BACK.camera}/start/${T0}/end/${T0 + 30}`;
    const anonymous = await get(`${base}/master.m3u8`, null);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ success: false, message: expect.stringMatching(/log in/i) });
    // A cookie Frigate does not know is Frigate's 401 (it was asked), one it refuses its 403.
    const authCalls = frigate.authCalls();
    const unknown = await get(`${base}/master.m3u8`, 'expired-token');
    expect({ status: unknown.status, asked: frigate.authCalls() - authCalls }).toEqual({ status: 401, asked: 1 });
    // As Frigate's nginx: its auth_request.conf's `add_header Location` (no `always`) is not added
    // to a 401, so the /auth answer's `location: /login` never reaches the client (nginx 1.22, its
    // directives: docs/frigate-vod-contract.md).
    expect([anonymous.headers.get('location'), unknown.headers.get('location')]).toEqual([null, null]);
    const refusedLogin = await get(`${base}/index.m3u8`, REFUSED);
    expect({ status: refusedLogin.status, body: await refusedLogin.json() }).toEqual({
      status: 403,
      body: { success: false, message: 'Frigate refuses this login' },
    });
    for (const file of ['master.m3u8', 'index.m3u8', 'seg_00000.ts']) {
      const refused = await get(`${base}/${file}`, FRONT_ONLY);
      expect({ file, status: refused.status, body: await refused.json() }).toEqual({
        file,
        status: 403,
        body: { success: false, message: `No access to camera '${BACK.camera}'` },
      });
    }
    // Their own camera plays.
    await playlist(`/vod/${FRONT.camera}/start/${T0}/end/${T0 + 30}/master.m3u8`, FRONT_ONLY);
  });

  it('asks Frigate once for the same login within the cache time', async () => {
    const before = frigate.authCalls();
    const base = `/vod/${FRONT.camera}/start/${T0}/end/${T0 + 20}`;
    for (let i = 0; i < 4; i += 1) await playlist(`${base}/index.m3u8`, FRONT_ONLY);
    expect(frigate.authCalls() - before).toBeLessThanOrEqual(1);
  });

  it('leaves H.264 recordings to Frigate’s own /vod, and H.265 too when the client says it plays HEVC', async () => {
    const h264 = await get(`/vod/${QUIRKY.h264}/start/${T0}/end/${T0 + 30}/master.m3u8?x=1`);
    expect(h264.status).toBe(200);
    expect(h264.headers.get('x-served-by')).toBe(SERVED_BY);
    expect(await h264.text()).toContain('CODECS="avc1.');

    const hevc = await get(`/vod/${FRONT.camera}/start/${T0}/end/${T0 + 30}/master.m3u8?codec=hevc`);
    expect(hevc.headers.get('x-served-by')).toBe(SERVED_BY);
    expect(await hevc.text()).toContain('CODECS="hvc1.');

    const unknown = await get(`/vod/${FRONT.camera}/start/${T0}/end/${T0 + 30}/master.m3u8?codec=vp9`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ success: false, message: expect.stringContaining("Unknown codec 'vp9'") });
  });

  it('passes the mapping JSON, the API, the UI and a WebSocket through to Frigate unchanged', async () => {
    const mappingPath = `/vod/${FRONT.camera}/start/${T0 + 2.5}/end/${T0 + 25}`;
    const [viaDoor, direct] = await Promise.all([
      get(mappingPath),
      fetch(`${frigate.origin}${mappingPath}`, { headers: { cookie: `frigate_token=${ADMIN}` } }),
    ]);
    expect(viaDoor.headers.get('x-served-by')).toBe(SERVED_BY);
    expect(await viaDoor.json()).toEqual(await direct.json());

    const [config, directConfig] = await Promise.all([get('/api/config'), get('/api/config', ADMIN, frigate.origin)]);
    expect(config.status).toBe(200);
    expect(config.headers.get('content-type')).toBe(directConfig.headers.get('content-type'));
    expect(await config.text()).toBe(await directConfig.text());
    expect((await get('/api/config', null)).status).toBe(401);

    // Frigate's login form: the POST body goes through, and Frigate's cookie comes back.
    const login = (base: string, password: string) =>
      fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'porch', password }) });
    const loggedIn = await login(door, `${FRONT_ONLY}-password`);
    expect({ status: loggedIn.status, cookie: loggedIn.headers.get('set-cookie'), by: loggedIn.headers.get('x-served-by') }).toEqual({
      status: 200,
      cookie: (await login(frigate.origin, `${FRONT_ONLY}-password`)).headers.get('set-cookie'),
      by: SERVED_BY,
    });
    expect((await login(door, 'wrong')).status).toBe(401);
    expect(await (await get('/', null)).text()).toBe(FRIGATE_UI_PAGE);

    const socket = new WebSocket(`${door.replace('http', 'ws')}/ws`, { headers: { cookie: `frigate_token=${ADMIN}` } });
    const reply = await new Promise<string>((resolve, reject) => {
      socket.once('open', () => socket.send('{"topic":"onConnect"}'));
      socket.once('message', (data) => resolve(data.toString()));
      socket.once('error', reject);
    });
    socket.close();
    expect(reply).toBe('echo:{"topic":"onConnect"}');
  });

  it.each(['frigate-vod', 'frigate-db'])('plays the History view’s range with RECORDINGS_SOURCE=%s behind it', async (source) => {
    // Frigate's internal port (no login), which the frigate-vod source reads; its database for frigate-db.
    const internal = await startFrigateVodServer([FRONT.camera, QUIRKY.h264]);
    const dbPath = join(scratch, `frigate-${source}.db`);
    const rows = [0, 1, 2, 3].map((slot) => {
      const start = T0 + slot * 10;
      const iso = new Date(start * 1000).toISOString();
      const path = `/media/frigate/recordings/${iso.slice(0, 10)}/${iso.slice(11, 13)}/${FRONT.camera}/${iso.slice(14, 16)}.${iso.slice(17, 19)}.mp4`;
      return { id: `r${slot}`, camera: FRONT.camera, path, start_time: start, end_time: start + 10, duration: 10 };
    });
    writeFrigateDb(dbPath, rows);
    const env: Record<string, string> =
      source === 'frigate-vod'
        ? { RECORDINGS_SOURCE: source, FRIGATE_VOD_URL: internal.vodUrlTemplate }
        : { RECORDINGS_SOURCE: source, FRIGATE_DB_PATH: dbPath, FRIGATE_MEDIA_ROOT: FIXTURES_DIR };
    const other = await startDoor({ ...env, RECORDINGS_DIR: join(scratch, 'empty') });
    try {
      const base = `/vod/${FRONT.camera}/start/${T0 + 2.5}/end/${T0 + 40}`;
      const master = await get(`${base}/master.m3u8`, ADMIN, other.door);
      expect(master.status).toBe(200);
      expect(master.headers.get('x-served-by')).toBeNull();
      const media = parse(await (await get(`${base}/index.m3u8`, ADMIN, other.door)).text()) as types.MediaPlaylist;
      expect(media.segments.reduce((sum, s) => sum + s.duration, 0)).toBeCloseTo(37.5, 1);
      const response = await get(`${base}/${media.segments[1].uri}`, ADMIN, other.door);
      expect(response.status).toBe(200);
      const file = join(scratch, `${source}.ts`);
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      expect((await probeStreams(file)).find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
      if (source === 'frigate-vod') {
        // H.264 recordings still go to Frigate untouched: frigate-vod reads no headers, Frigate's own master playlist says the codec.
        const h264 = await get(`/vod/${QUIRKY.h264}/start/${T0}/end/${T0 + 30}/master.m3u8`, ADMIN, other.door);
        expect(h264.headers.get('x-served-by')).toBe(SERVED_BY);
      }
    } finally {
      await other.app.close();
      await internal.close();
    }
  });

  it('stops at once with a WebSocket still open through it (Frigate’s UI keeps /ws open)', async () => {
    const other = await startDoor();
    const socket = new WebSocket(`${other.door.replace('http', 'ws')}/ws`, { headers: { cookie: `frigate_token=${ADMIN}` } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await other.app.close();
    await closed;
  });

  it('answers a bad /vod URL with 400 and a JSON message, and never touches a path outside the recordings', async () => {
    for (const path of [
      `/vod/${FRONT.camera}/start/abc/end/${T0}/master.m3u8`,
      `/vod/${FRONT.camera}/start/${T0 + 60}/end/${T0}/index.m3u8`,
      '/vod/..%2F..%2Fetc/start/1/end/2/index.m3u8',
      '/vod/fr%20ont/start/1/end/2/seg_00000.ts',
      `/vod/2023-11/14/22/${FRONT.camera}/Nowhere,Special/index.m3u8`,
      // Longer than MAX_RANGE_SECONDS: refused before any recording is looked for.
      `/vod/${FRONT.camera}/start/0/end/4000000000/master.m3u8`,
    ]) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(await response.json()).toEqual({ success: false, message: expect.any(String) });
    }
    const missing = await get('/vod/event/no-such-event/master.m3u8');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ success: false, message: 'Event not found.' });
  });

  it('copies a query of up to 512 characters onto every URI (Home Assistant’s signed authSig fits), and answers a longer one with a JSON 414', async () => {
    const base = `/vod/${FRONT.camera}/start/${T0}/end/${T0 + 30}`;
    // Home Assistant's signed path (homeassistant/components/http/auth.py async_sign_path) for
    // its media browser's hour of a camera, with long names: HS256 over {iss, path, params, iat, exp}.
    const haPath = `/api/frigate/frigate_instance_01/vod/2023-11/14/22/${'driveway_camera_north'.repeat(2)}/America,Argentina,Buenos_Aires/index.m3u8`;
    const authSig = sign({ iss: randomBytes(16).toString('hex'), path: haPath, params: {}, iat: T0, exp: T0 + 86400 }, 'secret', { noTimestamp: true });
    expect(`authSig=${authSig}`.length).toBeLessThan(512);
    const haMedia = await playlist<types.MediaPlaylist>(`${base}/index.m3u8?authSig=${authSig}`);
    for (const s of haMedia.segments) expect(s.uri).toBe(`${s.uri.split('?')[0]}?authSig=${authSig}`);

    const longest = `x=${'a'.repeat(510)}`;
    const media = await playlist<types.MediaPlaylist>(`${base}/index.m3u8?${longest}`);
    expect(media.segments[0].uri).toBe(`seg_00000.ts?${longest}`);
    const tooLong = await get(`${base}/index.m3u8?${longest}a`);
    expect({ status: tooLong.status, body: await tooLong.json() }).toEqual({
      status: 414,
      body: { success: false, message: 'The query string is longer than 512 characters' },
    });
  });

  it('refuses a page on another site that navigates to a /vod URL with the Frigate cookie (JSON 403, no session), and plays for the same site and for clients without Sec-Fetch-*', async () => {
    const range = [T0 + 50, T0 + 70] as const;
    const base = `/vod/${FRONT.camera}/start/${range[0]}/end/${range[1]}`;
    const sessions = async () =>
      ((await (await fetch(`${app.baseUrl}/transcode/sessions`)).json()) as { sessions: { sessionId: string }[] }).sessions.map((session) => session.sessionId);
    const withCookie = (extra: Record<string, string>) => fetch(`${door}${base}/master.m3u8`, { headers: { cookie: `frigate_token=${ADMIN}`, ...extra } });
    const crossSite = await withCookie({ 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' });
    expect({ status: crossSite.status, body: await crossSite.json() }).toEqual({
      status: 403,
      body: { success: false, message: expect.stringMatching(/another site/) },
    });
    expect(await sessions()).not.toContain(transcodeSessionId(FRONT.camera, ...range));
    // Frigate's own UI (same origin), a page of the same site, and Home Assistant (no Sec-Fetch-*).
    for (const headers of [{ 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'empty' }, { 'sec-fetch-site': 'same-site' }, {}] as Record<string, string>[]) {
      const played = await withCookie(headers);
      expect({ headers, status: played.status }).toEqual({ headers, status: 200 });
      await played.arrayBuffer();
    }
  });

  it('tells a viewer an event of a camera they may not watch is not found, in the same words whether or not someone else played it, and as for no event at all', async () => {
    const asked = async (eventId: string, token: string) => {
      const response = await get(`/vod/event/${eventId}/master.m3u8`, token);
      return { status: response.status, body: await response.json().catch(() => null) };
    };
    const notFound = { status: 404, body: { success: false, message: 'Event not found.' } };
    expect(await asked(BACK_EVENT_ID, FRONT_ONLY)).toEqual(notFound);
    // The admin plays it: its range is now kept for everyone.
    await playlist(`/vod/event/${BACK_EVENT_ID}/master.m3u8`, ADMIN);
    expect(await asked(BACK_EVENT_ID, FRONT_ONLY)).toEqual(notFound);
    expect(await asked('1700000099.0-nosuch', FRONT_ONLY)).toEqual(notFound);
    // Their own camera's event plays.
    await playlist(`/vod/event/${EVENT_ID}/master.m3u8`, FRONT_ONLY);
  });

  it('admits a range before reading any recording: a user at their cap or rate costs no lookup, joins cost none, and an H.264 range is looked up once', async () => {
    const capped = await startDoor({ MAX_SESSIONS_PER_USER: '1', SESSION_CREATE_LIMIT: '2', MAX_CONCURRENT_TRANSCODES: '8' });
    try {
      const source = capped.app.app.get<RecordingSource>(RECORDING_SOURCE, { strict: false });
      const lookups = [jest.spyOn(source, 'findRecordings'), jest.spyOn(source, 'withMedia'), jest.spyOn(source, 'listCameras')];
      const lookupCount = () => lookups.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
      const at = (camera: string, start: number, file = 'master.m3u8') => `/vod/${camera}/start/${start}/end/${start + 10}/${file}`;
      const status = async (path: string, token: string) => {
        const response = await get(path, token, capped.door);
        await response.arrayBuffer();
        return response.status;
      };
      // The porch viewer's one session.
      expect(await status(at(FRONT.camera, T0), FRONT_ONLY)).toBe(200);
      const afterFirst = lookupCount();
      expect(afterFirst).toBeGreaterThan(0);
      // At their cap: ten new ranges, each refused before any lookup, as the API refuses them.
      const refused = [];
      for (let i = 1; i <= 10; i += 1) refused.push(await status(at(FRONT.camera, T0 + i), FRONT_ONLY));
      expect({ refused, lookups: lookupCount() - afterFirst }).toEqual({ refused: Array(10).fill(429), lookups: 0 });
      // Joining the session, theirs or another user's, is always allowed and reads nothing.
      expect([await status(at(FRONT.camera, T0, 'index.m3u8'), FRONT_ONLY), await status(at(FRONT.camera, T0, 'index.m3u8'), ADMIN)]).toEqual([200, 200]);
      expect(lookupCount() - afterFirst).toBe(0);
      // The admin's H.264 ranges: each looked up once, by its admission (a create against
      // SESSION_CREATE_LIMIT), then handed to Frigate; none is a session.
      const before = lookupCount();
      const scansBefore = lookups[0].mock.calls.length;
      for (const start of [T0, T0 + 10]) {
        const h264 = await get(at(QUIRKY.h264, start), ADMIN, capped.door);
        expect({ start, by: h264.headers.get('x-served-by') }).toEqual({ start, by: SERVED_BY });
        await h264.arrayBuffer();
      }
      const h264Lookups = lookupCount() - before;
      expect(lookups[0].mock.calls.length - scansBefore).toBe(2);
      // One scan of each range's recordings, its plan's.
      expect(lookups[0].mock.calls.slice(-2).map(([camera, start]) => [camera, start])).toEqual([
        [QUIRKY.h264, T0],
        [QUIRKY.h264, T0 + 10],
      ]);
      // Asked again within the minute: straight to Frigate, no lookup.
      expect((await get(at(QUIRKY.h264, T0), ADMIN, capped.door)).headers.get('x-served-by')).toBe(SERVED_BY);
      // Past the rate: refused before any lookup.
      expect(await status(at(BACK.camera, T0), ADMIN)).toBe(429);
      expect(lookupCount() - before).toBe(h264Lookups);
    } finally {
      await capped.app.close();
    }
  });
});
