import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRONT, LONG, RECORDINGS_DIR, T0 } from '../support/fixtures';
import { probeStreams } from '../support/ffprobe';
import { downloadSegment, rangeUrl } from '../support/media-playlist';
import { freePort, waitFor } from '../support/net';
import { IMAGE, SECRET, adminAuth as auth, buildImage, docker, run, writesAsNode } from './docker';

/** Processes of the container as the host sees them: uid and command line. */
async function containerProcesses(name: string): Promise<{ uid: string; args: string }[]> {
  // (Docker wants the pid column in `ps`'s output.)
  const lines = (await docker('top', name, '-eo', 'pid,uid,args')).split('\n').slice(1);
  return lines.map((line) => {
    const [, uid, ...args] = line.trim().split(/\s+/);
    return { uid, args: args.join(' ') };
  });
}

/**
 * The image in a real Docker engine, started with the README's own `docker run` options (the
 * network aside: the host's, as there is no bridge network on these machines; a port of its own
 * and a JWT secret to sign the test's token with), against test recordings mounted read-only.
 */
describe('the image (docker run as the README says)', () => {
  const name = `nvr-docker-test-${process.pid}`;
  let baseUrl: string;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nvr-docker-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    await docker('rm', '-f', name).catch(() => undefined);
    // prettier-ignore
    await docker('run', '-d', '--name', name, '--init', '--network', 'host',
      '-e', `PORT=${port}`, '-e', `JWT_SECRET=${SECRET}`, '-e', 'SHUTDOWN_DRAIN_SECONDS=1',
      '-v', `${RECORDINGS_DIR}:/media/frigate/recordings:ro`,
      '--tmpfs', '/tmp/stream/transcode:size=2g,mode=1777',
      IMAGE);
  });

  afterAll(async () => {
    await docker('rm', '-f', '-v', name).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  });

  it('starts, and /health turns healthy, then Docker’s HEALTHCHECK reports healthy', async () => {
    await waitFor(async () => (await fetch(`${baseUrl}/health`).catch(() => null))?.status === 200, 60_000, 500);
    // The first check runs one interval (30 s) after the start.
    await waitFor(async () => (await docker('inspect', '-f', '{{.State.Health.Status}}', name)) === 'healthy', 90_000, 1000);
  }, 150_000);

  it('keeps the tmpfs writable for the app user: drwxrwxrwt, as `mode=1777` asks, and node (uid 1000) writes there', async () => {
    expect(await docker('exec', name, 'stat', '-c', '%a %U', '/tmp/stream/transcode')).toBe('1777 root');
    expect(await writesAsNode(name, '/tmp/stream/transcode')).toBe(true);
  });

  it('transcodes a range: the segment is H.264, made by processes of the node user (uid 1000)', async () => {
    const created = await fetch(`${baseUrl}${rangeUrl(FRONT.camera, T0 + 2.5, T0 + 40)}`, auth);
    expect(created.status).toBe(200);
    const body = (await created.json()) as { sessionId: string };
    const path = await downloadSegment(baseUrl, body.sessionId, 1, scratch, auth);
    const video = (await probeStreams(path)).find((stream) => stream.codec_type === 'video')!;
    expect(video.codec_name).toBe('h264');
    const processes = await containerProcesses(name);
    expect(processes.find((process) => process.args.includes('dist/apps/transcode-server/main.js'))?.uid).toBe('1000');
    expect(processes.every((process) => process.uid === '1000')).toBe(true);
  });

  it('writes nothing outside the tmpfs and its data volume: the container’s own layer is unchanged', async () => {
    // Mount points Docker itself makes for the mounts (and for --init's docker-init) are not the app's writes.
    const mountPoints = new Set([
      'C /tmp',
      'A /tmp/stream',
      'A /tmp/stream/transcode',
      'C /media',
      'C /media/frigate',
      'A /media/frigate',
      'A /media/frigate/recordings',
      'C /usr',
      'C /usr/sbin',
      'A /usr/sbin/docker-init',
    ]);
    const changes = (await docker('diff', name)).split('\n').filter((line) => line && !mountPoints.has(line));
    expect(changes).toEqual([]);
  });

  it('stops on `docker stop` within the grace period, its ffmpeg stopped by the app (not by the SIGKILL at the end of the grace)', async () => {
    const created = await fetch(`${baseUrl}${rangeUrl(LONG.camera, T0, T0 + 1200)}`, auth);
    expect(created.status).toBe(200);
    expect((await containerProcesses(name)).some((process) => /ffmpeg/.test(process.args))).toBe(true);
    const started = Date.now();
    await docker('stop', '-t', '15', name);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(15);
    // 143: node ended by the SIGTERM Nest raises again once its shutdown hooks (every ffmpeg
    // stopped) have run; 137 would be Docker's SIGKILL at the end of the grace period.
    expect(await docker('inspect', '-f', '{{.State.ExitCode}} {{.State.OOMKilled}}', name)).toBe('143 false');
    const logs = await run('docker', ['logs', name]).then((out) => out.stdout + out.stderr);
    // The app's own shutdown ran (SHUTDOWN_DRAIN_SECONDS=1, as the compose file's 3, makes it say so).
    expect(logs).toContain('shutting down: /health answers 503; draining for 1 s');
    expect(logs).not.toMatch(/"level":(50|60)/);
  });

  it('reports its size against the floor: Debian’s ffmpeg on the Node base image, plus the app’s own files', async () => {
    const size = Number(await docker('image', 'inspect', '-f', '{{.Size}}', IMAGE));
    // The floor: the same base with only Debian's ffmpeg (no GPU drivers, no app).
    await buildImage(
      'nvr-transcoder-floor:test',
      'FROM node:22-bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*\n',
      { rebuild: true },
    );
    const floor = Number(await docker('image', 'inspect', '-f', '{{.Size}}', 'nvr-transcoder-floor:test'));
    // What the app adds: its production node_modules and its bundle, as they are in the image.
    const app = Number((await docker('run', '--rm', '--network', 'host', '--entrypoint', 'du', IMAGE, '-sb', '/app')).split(/\s+/)[0]);
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
    process.stdout.write(
      `[docker] image ${mb(size)}; floor (base + Debian ffmpeg) ${mb(floor)}; the app's files ${mb(app)}; the rest ${mb(size - floor - app)}\n`,
    );
    expect(size).toBeLessThanOrEqual((floor + app) * 1.05);
  }, 600_000);
});
