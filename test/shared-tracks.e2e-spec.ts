import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZOO_T0, zooRecordings } from './support/camera-zoo';
import { expectOnTheCameraClock, segmentClocks } from './support/camera-clock';
import { RECORDINGS_DIR } from './support/fixtures';
import { sample, scrapeMetrics } from './support/prometheus';
import { probeSource } from './support/source-frames';
import { TestApp, getJson, rangeUrl, startTestApp } from './support/test-app';

/** 25 fps, a 4 s GOP, 12 s and 8 s files cut at keyframes: a minute of one camera hour. */
const CAMERA = 'zoo_gop4';
const STARTS = 'nvr_transcoder_ffmpeg_starts_total';

describe('shared tracks: ranges of one camera hour are views of one track (SHARED_TRACKS=true, e2e)', () => {
  let app: TestApp;
  let scratch: string;

  beforeAll(async () => {
    app = await startTestApp({ SHARED_TRACKS: 'true', MAX_CONCURRENT_TRANSCODES: '4' });
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-tracks-'));
  });

  afterAll(async () => {
    await app.close();
    await rm(scratch, { recursive: true, force: true });
  });

  /** Opens [start, end) and fetches every segment in order: its playlist entries and their bytes. */
  async function watch(name: string, start: number, end: number) {
    const created = await getJson(`${app.baseUrl}${rangeUrl(CAMERA, start, end)}`);
    expect(created.status).toBe(200);
    const playlist = await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text();
    const entries = [...playlist.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),\n(seg_\d{5}\.ts)/g)].map((m) => ({
      wall: Date.parse(m[1]) / 1000,
      duration: Number(m[2]),
      uri: m[3],
    }));
    const paths: string[] = [];
    for (const [index, entry] of entries.entries()) {
      const response = await fetch(`${app.baseUrl}/stream/transcode/${created.body.sessionId}/${entry.uri}`);
      expect({ index, status: response.status }).toEqual({ index, status: 200 });
      const path = join(scratch, `${name}-${index}.ts`);
      await writeFile(path, Buffer.from(await response.arrayBuffer()));
      paths.push(path);
    }
    return { sessionId: created.body.sessionId as string, start, end, entries, paths };
  }

  /** Segment files under TRANSCODE_DIR (every session's and track's folder) written since `since` (epoch ms). */
  async function segmentFilesSince(since: number): Promise<string[]> {
    const made: string[] = [];
    for (const folder of await readdir(app.transcodeDir)) {
      for (const name of await readdir(join(app.transcodeDir, folder)).catch(() => [] as string[])) {
        if (!name.endsWith('.ts')) continue;
        const info = await stat(join(app.transcodeDir, folder, name)).catch(() => null);
        if (info && info.mtimeMs >= since) made.push(join(folder, name));
      }
    }
    return made;
  }

  const starts = async () => sample(await scrapeMetrics(app.baseUrl), STARTS, 'encoder="libx264"');

  it('two overlapping ranges with fractional, different ends: the shared segments are made once, byte for byte the same in both, and each playlist is exact', async () => {
    const sources = await Promise.all((await zooRecordings(RECORDINGS_DIR, CAMERA)).map((file) => probeSource(file.path, file.startTime)));
    const before = await starts();
    const first = await watch('first', ZOO_T0 + 1.37, ZOO_T0 + 40.23);
    const afterFirst = await starts();
    const secondStartedAt = Date.now();
    const second = await watch('second', ZOO_T0 + 9.71, ZOO_T0 + 52.06);
    const afterSecond = await starts();

    // Each playlist is on the camera's clock: every frame at its PROGRAM-DATE-TIME plus its
    // offset, each segment as long as its EXTINF, the next one starting with the frame after.
    for (const session of [first, second]) {
      const segments = session.entries.map((entry, i) => ({ wallClock: entry.wall, durationSeconds: entry.duration, path: session.paths[i] }));
      expectOnTheCameraClock(await segmentClocks(sources, session, segments), sources);
    }

    // Entries of both that start at the same camera time and last as long are the track's: the same file.
    const shared = second.entries.flatMap((entry, i) => {
      const j = first.entries.findIndex((other) => Math.abs(other.wall - entry.wall) < 0.0005 && Math.abs(other.duration - entry.duration) < 0.0005);
      return j >= 0 ? [[j, i]] : [];
    });
    // The overlap (9.71 to 40.23) is 30 s: all of it but the second's head and the first's tail.
    expect(shared.length).toBeGreaterThanOrEqual(12);
    for (const [j, i] of shared) {
      expect({ segment: i, same: (await readFile(first.paths[j])).equals(await readFile(second.paths[i])) }).toEqual({ segment: i, same: true });
    }

    // The second made only what the first had not: its head, the track past the first's range
    // (up to the recordings' end, 8 s after its own: a run makes ahead), and its tail.
    expect(afterFirst - before).toBeGreaterThanOrEqual(1);
    expect(afterSecond - afterFirst).toBeLessThanOrEqual(3);
    const madeForSecond = (await segmentFilesSince(secondStartedAt)).length;
    expect(madeForSecond).toBeLessThanOrEqual(second.entries.length - shared.length + 5);
  });
});
