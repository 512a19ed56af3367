import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readMp4Info } from '../libs/recordings/src/mp4-header.reader';
import { ZOO, ZOO_T0, zooRecordings } from './support/camera-zoo';
import { RECORDINGS_DIR } from './support/fixtures';
import { firstFramePsnr, meanVolume, packetTimes, probeStreams } from './support/ffprobe';
import { expectOnTheCameraClock, segmentClocks } from './support/camera-clock';
import { frigatePieces, probeSource } from './support/source-frames';
import { TestApp, getJson, rangeUrl, startTestApp } from './support/test-app';

const run = promisify(execFile);

/** MPEG-TS output starts its clock 1.4 s in (the mpegts muxer's default delay). */
const TS_START = 1.4;

/** A number at most `seconds` from `expected` (a tie of rounding to the millisecond included). */
const within = (expected: number, seconds: number) => expect.closeTo(expected, -Math.log10(2 * (seconds + 1e-6)));

describe('the camera zoo: every stream a camera records plays from start to end, with exact timing (e2e)', () => {
  let app: TestApp;
  let scratch: string;

  beforeAll(async () => {
    app = await startTestApp({ MAX_CONCURRENT_TRANSCODES: '4' });
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-zoo-'));
  });

  afterAll(async () => {
    await app.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it.each(ZOO.map((camera) => [camera.camera, camera.what]))('reads the frame times ffmpeg presents from the MP4 headers of %s (%s)', async (camera) => {
    for (const { path, startTime } of await zooRecordings(RECORDINGS_DIR, camera)) {
      const [source, header] = await Promise.all([probeSource(path, startTime), readMp4Info(path)]);
      const frames = Array.from(header!.video!.frameTimes!);
      expect(frames).toHaveLength(source.frames.length);
      frames.forEach((time, i) => expect(Math.abs(time - source.frames[i])).toBeLessThan(1e-4));
    }
  });

  /** A session over the camera's recordings from `startOffset` s after ZOO_T0 to 1.61 s before their end (at `speed`). */
  async function openSession(camera: string, startOffset: number, speed = 1) {
    const sources = await Promise.all((await zooRecordings(RECORDINGS_DIR, camera)).map((file) => probeSource(file.path, file.startTime)));
    const last = sources.at(-1)!;
    // A range that starts and ends at fractional times, inside files.
    const start = ZOO_T0 + startOffset;
    const end = Math.round((last.startTime + last.duration - 1.61) * 1000) / 1000;
    const created = await getJson(`${app.baseUrl}${rangeUrl(camera, start, end)}${speed > 1 ? `?speed=${speed}` : ''}`);
    expect(created.status).toBe(200);
    const playlist = await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text();
    const entries = [...playlist.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),\n(seg_\d{5}\.ts)/g)].map((m) => ({
      wall: Date.parse(m[1]) / 1000,
      duration: Number(m[2]),
      uri: m[3],
    }));
    const starts = entries.map((_, i) => entries.slice(0, i).reduce((sum, e) => sum + e.duration, 0));
    const fetchSegment = async (index: number) => {
      const response = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/${entries[index].uri}`);
      expect({ index, status: response.status }).toEqual({ index, status: 200 });
      const path = join(scratch, `${camera}-${startOffset}-${speed}-${index}.ts`);
      await writeFile(path, Buffer.from(await response.arrayBuffer()));
      return path;
    };
    return { sources, start, end, entries, starts, fetchSegment, video: created.body.video as string | undefined };
  }

  /**
   * The segments, fetched in any order, play as one stream: each starts at its planned frame and
   * lasts its EXTINF, they decode cleanly one after the other, and they keep one picture size,
   * profile and audio format.
   */
  async function expectOneStream(session: Awaited<ReturnType<typeof openSession>>, paths: string[]): Promise<void> {
    const { entries, starts, sources } = session;
    const n = entries.length;
    const times = await Promise.all(paths.map((path) => packetTimes(path, 'v')));
    for (let i = 0; i < n; i += 1) {
      const first = Math.min(...times[i]) - TS_START;
      const frames = [...times[i]].sort((a, b) => a - b);
      // Each segment starts at its planned frame (the first may start a moment into the range),
      // where the EXTINFs before it add up to (they are written so, to the millisecond) …
      if (i > 0) expect({ segment: i, start: first }).toEqual({ segment: i, start: within(starts[i], 0.0005) });
      else expect(first).toBeLessThan(0.25);
      // … and lasts its EXTINF (the difference of two such times): until the next one starts, across runs and across file switches.
      if (i + 1 < n) {
        const next = Math.min(...times[i + 1]) - TS_START;
        expect({ segment: i, length: next - (i === 0 ? 0 : first) }).toEqual({ segment: i, length: within(entries[i].duration, 0.001) });
        expect(frames.at(-1)! - TS_START).toBeLessThan(next);
      }
    }
    // The segments played one after the other decode without a single error.
    const joined = `${paths[0]}-all.ts`;
    await run('sh', ['-c', `cat ${paths.map((p) => `'${p}'`).join(' ')} > '${joined}'`]);
    // (Decoded with the frames' own times, not rounded to 1/fps.)
    const { stderr } = await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      joined,
      '-map',
      '0',
      '-fps_mode',
      'passthrough',
      '-enc_time_base:v',
      '1/90000',
      '-f',
      'null',
      '-',
    ]);
    expect(stderr.trim()).toBe('');

    // One picture size, one profile and one audio format from start to end, whatever the
    // recordings do mid-range (silence where they have no audio): no discontinuity for hls.js.
    const streams = await Promise.all(paths.map((path) => probeStreams(path)));
    const formats = new Set(
      streams.map((list) =>
        JSON.stringify(
          list.map((stream) =>
            stream.codec_type === 'video'
              ? { video: stream.codec_name, profile: stream.profile, width: stream.width, height: stream.height }
              : { audio: stream.codec_name, rate: stream.sample_rate, channels: stream.channels },
          ),
        ),
      ),
    );
    expect([...formats]).toHaveLength(1);
    const format = JSON.parse([...formats][0]) as Record<string, unknown>[];
    const sourceAudio = sources.find((source) => source.audio)?.audio;
    if (sourceAudio) {
      // AAC at a rate browsers play well (kept at 32, 44.1 and 48 kHz, else 48 kHz), mono or stereo as the source.
      const rate = [32000, 44100, 48000].includes(sourceAudio.sampleRate) ? sourceAudio.sampleRate : 48000;
      expect(format).toContainEqual({ audio: 'aac', rate: String(rate), channels: Math.min(2, sourceAudio.channels) });
    } else {
      expect(format.some((stream) => 'audio' in stream)).toBe(false);
    }
  }

  it.each(ZOO.map((camera) => [camera.camera, camera.what]))('%s (%s): start, cold seeks to the middle and the end, then every segment', async (camera) => {
    const session = await openSession(camera, 1.37);
    const { sources, start, end, entries, starts, fetchSegment } = session;

    // The playlist's length is the recordings' inside the range, as Frigate counts them (one frame per file at most).
    const pieces = frigatePieces(sources, start, end);
    const expected = pieces.reduce((sum, piece) => sum + piece.duration, 0);
    expect(Math.abs(entries.reduce((sum, e) => sum + e.duration, 0) - expected)).toBeLessThan(0.01 + pieces.length * 0.001);

    // Cold seeks: the last segment, then the middle one, then everything in order (which starts a
    // third run at #1): neighbours come from different runs.
    const n = entries.length;
    const paths: string[] = new Array(n);
    paths[n - 1] = await fetchSegment(n - 1);
    const middle = Math.floor(n / 2);
    paths[middle] = await fetchSegment(middle);
    for (let i = 0; i < n; i += 1) paths[i] ??= await fetchSegment(i);
    await expectOneStream(session, paths);

    // PROGRAM-DATE-TIME is the camera's time of each segment's first frame: check the picture at
    // the start, the middle and the end against the source frame Frigate's timeline puts there.
    for (const i of [1, middle, n - 1]) {
      const t = starts[i];
      const piece = [...pieces].reverse().find((p) => p.offset <= t + 1e-6)!;
      const intoFile = piece.inpoint + (t - piece.offset);
      expect(entries[i].wall).toBeCloseTo(piece.file.startTime + intoFile, 3);
      const frame = piece.file.frames.findIndex((time) => time >= intoFile - 1e-3);
      expect(Math.abs(piece.file.frames[frame] - intoFile)).toBeLessThan(1e-3);
      expect(await firstFramePsnr(paths[i], piece.file.path, frame)).toBeGreaterThan(30);
    }
  });

  it.each(ZOO.filter((camera) => camera.streams.length > 1).map((camera) => [camera.camera, camera.what]))(
    '%s (%s): played straight through, from start to end, as one stream',
    async (camera) => {
      const session = await openSession(camera, 0.61);
      const paths: string[] = [];
      for (let i = 0; i < session.entries.length; i += 1) paths.push(await session.fetchSegment(i));
      await expectOneStream(session, paths);
      // Where the recordings have sound the segments carry it (a 440 Hz tone); where they have
      // none, silence: a run never carries one part's audio (or its absence) into the next.
      const pieces = frigatePieces(session.sources, session.start, session.end);
      for (const [i, path] of paths.entries()) {
        const piece = [...pieces].reverse().find((p) => p.offset <= session.starts[i] + 1e-6)!;
        if (!session.sources.some((source) => source.audio)) continue;
        const volume = await meanVolume(path);
        expect({ segment: i, audible: volume > -60 }).toEqual({ segment: i, audible: !!piece.file.audio });
      }
    },
  );

  it.each([
    // camera, speed, what its files do
    ['zoo_gap', 1, 'a 9.9 s gap, a truncated file'],
    ['zoo_restart', 1, 'a restart: 3 s of overlap, and files 0.11 s longer than their names say'],
    ['zoo_gop4', 1, '25 fps, files up to 0.16 s longer than their names say'],
    ['zoo_drift20', 1, 'B-frames, 0.91 s ahead, 9 ms steps adding up, 0.99 s back'],
    ['zoo_h264', 1, 'copied H.264, 1.6 s GOP at 29.97 fps: whole-second names up to 0.6 s off'],
    ['zoo_restart', 4, 'a 4× rendition across the restart'],
    ['zoo_drift20', 8, 'an 8× rendition: the 9 ms steps stay inside an output frame'],
  ])(
    '%s at %p× (%s): every frame of every segment is at its PROGRAM-DATE-TIME plus its offset, within half a frame, and each ends where its EXTINF says',
    async (camera, speed) => {
      const session = await openSession(camera as string, 1.37, speed as number);
      const paths: string[] = [];
      for (let i = 0; i < session.entries.length; i += 1) paths.push(await session.fetchSegment(i));
      const segments = session.entries.map((entry, i) => ({ wallClock: entry.wall, durationSeconds: entry.duration, path: paths[i] }));
      const copied = (await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions.some(
        (listed: { camera: string; video: string; speed: number }) => listed.camera === camera && listed.video === 'copy' && listed.speed === speed,
      );
      expect(copied).toBe(camera === 'zoo_h264');
      const clocks = await segmentClocks(session.sources, session, segments, { speed: speed as number, startsAtFirstFrame: copied || (speed as number) > 1 });
      expectOnTheCameraClock(clocks, session.sources, speed as number);
    },
  );
});
