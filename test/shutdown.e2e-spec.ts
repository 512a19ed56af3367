import { readFile } from 'node:fs/promises';
import { LONG, T0 } from './support/fixtures';
import { AppProcess, ffmpegProcessesUsing, getJson, rangeUrl, startAppProcess, waitFor } from './support/test-app';

/** The built app as a real process: signals reach it as they would under systemd or Docker. */
describe('SIGTERM (e2e, built app)', () => {
  let server: AppProcess;

  beforeAll(async () => {
    server = await startAppProcess({ MAX_CONCURRENT_TRANSCODES: '3' });
  });

  afterAll(async () => server.cleanup());

  it('stops every ffmpeg child and exits within 10 s, during active sessions', async () => {
    const created = await Promise.all([0, 600].map((offset) => getJson(`${server.baseUrl}${rangeUrl(LONG.camera, T0 + offset, T0 + offset + 1200)}`)));
    expect(created.map((c) => c.status)).toEqual([200, 200]);
    const running = await ffmpegProcessesUsing(server.transcodeDir);
    expect(running).toHaveLength(2);

    server.kill('SIGTERM');
    // Within 10 s (Docker's default stop grace period), or it would be killed mid-cleanup.
    const exit = await Promise.race([
      server.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running 10 s after SIGTERM')), 10_000).unref()),
    ]);
    // Nest runs the shutdown hooks, then re-raises the signal: the conventional exit for SIGTERM.
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    await waitFor(async () => (await ffmpegProcessesUsing(server.transcodeDir)).length === 0, 5000);
    for (const pid of running) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('SIGKILL (e2e, built app)', () => {
  it('takes its ffmpeg children with it even when killed outright (a parent-death signal)', async () => {
    const server = await startAppProcess({ MAX_CONCURRENT_TRANSCODES: '3', JWT_SECRET: 'a-secret-ffmpeg-must-never-see-0123456789' });
    try {
      const created = await getJson(`${server.baseUrl}${rangeUrl(LONG.camera, T0, T0 + 1200)}`);
      expect(created.status).toBe(200);
      const running = await ffmpegProcessesUsing(server.transcodeDir);
      expect(running.length).toBeGreaterThan(0);
      // Its environment holds none of the service's secrets.
      const environ = await readFile(`/proc/${running[0]}/environ`, 'utf8');
      expect(environ).not.toMatch(/JWT_SECRET|CLUSTER_SECRET|REDIS_URL/);
      server.kill('SIGKILL');
      await server.exited;
      await waitFor(async () => (await ffmpegProcessesUsing(server.transcodeDir)).length === 0, 5000);
    } finally {
      await server.cleanup();
    }
  });
});
