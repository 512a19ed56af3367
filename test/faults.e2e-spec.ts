import { ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFileSync } from 'node:child_process';
import { recordingRelativePath } from '../libs/recordings/src/frigate-recordings-layout';
import { CLIPS_DIR, LONG, T0 } from './support/fixtures';
import { decodeErrors } from './support/ffprobe';
import { TestApp, ffmpegProcessesUsing, getJson, makeScratchDir, rangeUrl, startAppProcess, startTestApp, waitFor } from './support/test-app';
import { segmentName } from './support/media-playlist';
import { layCamera } from './support/recordings-folder';

const run = promisify(execFile);

async function fetchStatus(app: TestApp, sessionId: string, index: number): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`${app.baseUrl}/stream/transcode/${sessionId}/${segmentName(index)}`);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

/** Faults a box next to an NVR meets: killed encoders, broken or vanishing recordings, a broken disk, crashes. */
describe('faults (e2e)', () => {
  let scratch: string;
  let recordingsDir: string;
  const good = join(CLIPS_DIR, 'hevc-audio-0.mp4');

  beforeAll(async () => {
    scratch = await makeScratchDir();
    recordingsDir = join(scratch, 'recordings');
  });

  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it('ffmpeg killed with SIGKILL mid-session: the next segment request restarts it and playback continues', async () => {
    const app = await startTestApp();
    try {
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
      expect(created.status).toBe(200);
      const [pid] = await ffmpegProcessesUsing(app.transcodeDir);
      process.kill(pid, 'SIGKILL');
      await waitFor(async () => (await ffmpegProcessesUsing(app.transcodeDir)).length === 0, 5000);
      for (const index of [1, 2, 3]) {
        const segment = await fetchStatus(app, created.body.sessionId, index);
        expect(segment.status).toBe(200);
        const path = join(scratch, `killed-${index}.ts`);
        await writeFile(path, segment.body);
        expect(await decodeErrors(path)).toBe('');
      }
      const [restarted] = await ffmpegProcessesUsing(app.transcodeDir);
      expect(restarted).toBeDefined();
      expect(restarted).not.toBe(pid);
    } finally {
      await app.close();
    }
  });

  describe('recordings that break', () => {
    let app: TestApp;

    beforeAll(async () => {
      // Truncated with its header intact (faststart: moov first): the data stops half-way.
      const cutData = join(scratch, 'cut-data.mp4');
      await copyFile(good, cutData);
      await truncate(cutData, Math.floor((await readFile(good)).length / 2));
      await layCamera(recordingsDir, 'cutdata', [good, cutData, good]);
      // Truncated before its header (moov last, as a camera still writing it): nothing readable.
      const moovLast = join(scratch, 'moov-last.mp4');
      await run('ffmpeg', ['-v', 'error', '-i', good, '-c', 'copy', '-movflags', '-faststart', '-y', moovLast]);
      await truncate(moovLast, Math.floor((await readFile(moovLast)).length / 2));
      await layCamera(recordingsDir, 'cutheader', [good, moovLast, good]);
      await layCamera(recordingsDir, 'vanishing', Array(6).fill(good));
      app = await startTestApp({ RECORDINGS_DIR: recordingsDir, SEGMENT_WAIT_TIMEOUT_SECONDS: '10', LOOKAHEAD_SECONDS: '4' });
    });

    afterAll(async () => app.close());

    it('skips a recording truncated before its header, with a warning, and plays the rest', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl('cutheader', T0, T0 + 30)}`);
      expect(created.status).toBe(200);
      expect(created.body.durationSeconds).toBeCloseTo(20, 0);
      for (let index = 0; index < 10; index += 1) expect((await fetchStatus(app, created.body.sessionId, index)).status).toBe(200);
    });

    it('answers every segment of a range with a recording whose data stops half-way: 200s, or clear JSON errors, never a hang', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl('cutdata', T0, T0 + 30)}`);
      expect(created.status).toBe(200);
      // The plan has no boundary where the data is missing (no frame there): fewer, longer segments.
      const playlist = await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text();
      const count = playlist.match(/^#EXTINF/gm)!.length;
      const statuses: number[] = [];
      for (let index = 0; index < count; index += 1) {
        const segment = await fetchStatus(app, created.body.sessionId, index);
        statuses.push(segment.status);
        if (segment.status !== 200) expect(JSON.parse(segment.body.toString())).toMatchObject({ success: false });
      }
      expect(statuses.slice(0, 5)).toEqual(Array(5).fill(200));
      expect(statuses.slice(-4)).toEqual(Array(4).fill(200));
      expect(statuses.filter((status) => status !== 200 && status !== 502)).toEqual([]);
    });

    it('a recording deleted during a session: its segments answer a clear error at once, the others play', async () => {
      const created = await getJson(`${app.baseUrl}${rangeUrl('vanishing', T0, T0 + 60)}`);
      expect(created.status).toBe(200);
      await rm(join(recordingsDir, recordingRelativePath('vanishing', T0 + 30)));
      // Segments 15-19 (29-39 s) come from the deleted file; 20 and on from the next.
      const deleted = await fetchStatus(app, created.body.sessionId, 17);
      expect(deleted.status).toBe(410);
      expect(JSON.parse(deleted.body.toString())).toEqual({ success: false, message: expect.stringMatching(/no longer/i) });
      expect((await fetchStatus(app, created.body.sessionId, 22)).status).toBe(200);
      expect((await fetchStatus(app, created.body.sessionId, 2)).status).toBe(200);
    });
  });

  it('ffmpeg missing at run time: a clear 503 and a red health check', async () => {
    const bin = join(scratch, 'bin');
    await mkdir(bin, { recursive: true });
    const ffmpeg = join(bin, 'ffmpeg');
    await symlink(execFileSync('sh', ['-c', 'command -v ffmpeg']).toString().trim(), ffmpeg);
    const app = await startTestApp({ FFMPEG_PATH: ffmpeg });
    try {
      await rm(ffmpeg);
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 30)}`);
      expect(created.status).toBe(503);
      expect(created.body).toEqual({ success: false, message: expect.stringMatching(/ffmpeg could not be started.*ENOENT/) });
      await waitFor(async () => (await getJson(`${app.baseUrl}/health`)).status === 503, 15_000, 500);
    } finally {
      await app.close();
    }
  });

  it('a transcode dir that is not writable: a clear 503 and a red health check', async () => {
    const app = await startTestApp();
    try {
      // Root ignores permission bits, so the folder is replaced by a file.
      await rm(app.transcodeDir, { recursive: true });
      await writeFile(app.transcodeDir, '');
      const created = await getJson(`${app.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 30)}`);
      expect(created.status).toBe(503);
      expect(created.body).toEqual({ success: false, message: expect.stringContaining('TRANSCODE_DIR is not writable') });
      // The system's reason names the path: it is logged, never sent to the client.
      expect(JSON.stringify(created.body)).not.toContain(app.transcodeDir);
      expect((await getJson(`${app.baseUrl}/health`)).status).toBe(503);
      await rm(app.transcodeDir);
    } finally {
      await app.close();
    }
  });

  it('a crash takes its ffmpeg with it, and the restart removes what is left: a survivor and the session folders', async () => {
    const first = await startAppProcess();
    const transcodeDir = first.transcodeDir;
    let survivor: ChildProcess | undefined;
    try {
      const created = await getJson(`${first.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`);
      expect(created.status).toBe(200);
      expect(await ffmpegProcessesUsing(transcodeDir)).toHaveLength(1);
      // A crash: no shutdown hook runs; the parent-death signal ends ffmpeg all the same.
      first.kill('SIGKILL');
      await first.exited;
      await waitFor(async () => (await ffmpegProcessesUsing(transcodeDir)).length === 0, 5000);

      // An ffmpeg that outlived it anyway (a host without setpriv): its own process group,
      // writing into the session folder, its pid in the folder's pid file.
      const sessionDir = join(transcodeDir, created.body.sessionId);
      survivor = spawn('ffmpeg', ['-v', 'quiet', '-f', 'lavfi', '-i', 'testsrc=rate=1', '-t', '600', '-f', 'null', '-', '-metadata', `comment=${sessionDir}`], {
        detached: true,
        stdio: 'ignore',
      });
      await writeFile(join(sessionDir, 'ffmpeg.pid'), String(survivor.pid));
      await waitFor(async () => (await ffmpegProcessesUsing(transcodeDir)).length === 1, 5000);

      const second = await startAppProcess({ TRANSCODE_DIR: transcodeDir });
      try {
        await waitFor(async () => (await ffmpegProcessesUsing(transcodeDir)).length === 0, 5000);
        const { readdir } = await import('node:fs/promises');
        expect((await readdir(transcodeDir)).filter((name) => /^[0-9a-f]{32}$/.test(name))).toEqual([]);
      } finally {
        await second.cleanup();
      }
    } finally {
      survivor?.kill('SIGKILL');
      for (const pid of await ffmpegProcessesUsing(transcodeDir)) process.kill(pid, 'SIGKILL');
      await first.cleanup();
    }
  });
});
