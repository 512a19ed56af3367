import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordingRelativePath } from '../libs/recordings/src/frigate-recordings-layout';
import { CLIPS_DIR, T0 } from './support/fixtures';
import { probeStreams } from './support/ffprobe';
import { downloadSegment, parsePlaylist } from './support/media-playlist';
import { layCamera, writeCutByPowerLoss, writeWithCorruptSampleTable } from './support/recordings-folder';
import { AppProcess, getJson, makeScratchDir, rangeUrl, startAppProcess } from './support/test-app';

/**
 * Recordings NVR disks really hold (power loss, failing SD cards, a recorder killed mid-write),
 * in the middle of a range, against the built app as its own process: with a heap capped low,
 * so that a header read that runs away (issue 23's finding: one 4-byte change in stts, and the
 * process was gone in under a second) would end it here too.
 */
describe('corrupt recordings in the middle of a range (e2e, built app, real ffmpeg)', () => {
  let scratch: string;
  let app: AppProcess;
  const clips = [0, 1, 2, 0, 1].map((i) => join(CLIPS_DIR, `hevc-audio-${i}.mp4`));
  /** The third file of each camera (20-30 s into the range) is the broken one. */
  const BROKEN_SLOT = 2;
  const KINDS = [
    { camera: 'powercut', what: 'a file cut by a power loss (mdat written, no moov)', reason: 'no-moov' },
    { camera: 'badtable', what: 'a file whose stts says 2^32-1 samples (the finding)', reason: 'too-many-samples' },
    { camera: 'emptyfile', what: 'a zero-length file', reason: 'empty' },
  ];
  const brokenFile = (camera: string) => recordingRelativePath(camera, T0 + BROKEN_SLOT * 10);
  const healthy = async () => (await fetch(`${app.baseUrl}/health`)).status === 200 && app.child.exitCode === null;

  beforeAll(async () => {
    scratch = await makeScratchDir();
    const recordings = join(scratch, 'recordings');
    for (const { camera } of KINDS) await layCamera(recordings, camera, clips);
    const broken = (camera: string) => join(recordings, brokenFile(camera));
    await writeCutByPowerLoss(clips[BROKEN_SLOT], broken('powercut'));
    await writeWithCorruptSampleTable(clips[BROKEN_SLOT], broken('badtable'));
    await writeFile(broken('emptyfile'), Buffer.alloc(0));
    app = await startAppProcess({ RECORDINGS_DIR: recordings, NODE_OPTIONS: '--max-old-space-size=256' });
  });

  afterAll(async () => {
    await app?.cleanup();
    await rm(scratch, { recursive: true, force: true });
  });

  it("answers the finding's request (the recordings of the hour with the corrupt stts) with 200, naming the file, and stays up", async () => {
    const hour = T0 - (T0 % 3600);
    const answer = await getJson(`${app.baseUrl}/cameras/badtable/recordings?after=${hour}&before=${hour + 3600}`);
    expect(answer.status).toBe(200);
    expect(answer.body.unreadable).toEqual([{ file: brokenFile('badtable'), start: T0 + 20, reason: 'too-many-samples', message: expect.any(String) }]);
    expect(await healthy()).toBe(true);
  });

  it.each(KINDS)('plays a range with $what in its middle, as if the file were missing, and names it in the timeline', async ({ camera, reason }) => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(camera, T0, T0 + 50)}`);
    expect(created.status).toBe(200);
    expect(created.body.durationSeconds).toBeCloseTo(40, 0);
    const playlist = parsePlaylist(await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text());
    expect(playlist.reduce((sum, segment) => sum + segment.durationSeconds, 0)).toBeCloseTo(40, 0);
    // The broken file's 10 s are not in the plan: the segments go from the file before it straight
    // to the one after (a segment may hold the end of one and the start of the other).
    expect(playlist.filter((segment) => segment.wallClock >= T0 + 20 && segment.wallClock < T0 + 30)).toEqual([]);
    const afterGap = playlist.findIndex((segment) => segment.wallClock >= T0 + 30);
    expect(playlist[afterGap - 1].wallClock).toBeLessThan(T0 + 20);
    for (const index of [0, afterGap, playlist.length - 1]) {
      const segment = await downloadSegment(app.baseUrl, created.body.sessionId, index, scratch);
      expect((await probeStreams(segment)).find((stream) => stream.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
    }
    const timeline = await getJson(`${app.baseUrl}/cameras/${camera}/recordings?after=${T0}&before=${T0 + 50}`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.gaps).toEqual([{ start: expect.closeTo(T0 + 20, 0), end: expect.closeTo(T0 + 30, 0) }]);
    expect(timeline.body.unreadable).toEqual([{ file: brokenFile(camera), start: T0 + 20, reason, message: expect.any(String) }]);
    expect(await healthy()).toBe(true);
  });

  it('logs each broken file once, by day/hour/camera/file, never by its path on this server', async () => {
    const lines = app.output().split('\n');
    for (const { camera } of KINDS) {
      expect(lines.filter((line) => line.includes(brokenFile(camera)))).toHaveLength(1);
    }
    expect(lines.filter((line) => line.includes(scratch))).toEqual([]);
  });
});
