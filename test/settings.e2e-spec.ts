import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { sign } from 'jsonwebtoken';
import { FIXTURES_DIR } from './support/fixtures';
import { freePort, getJson, startAppProcess, startTestApp, waitFor } from './support/test-app';
import { startRedisServer } from './support/redis-server';

/** A wrong setting stops the app with one line that names it. */
describe('settings validated at start (e2e, built app)', () => {
  it.each([
    ['PORT', { PORT: 'abc' }, /^nvr-transcoder failed to start: Invalid setting PORT="abc": /],
    ['MAX_CONCURRENT_TRANSCODES', { MAX_CONCURRENT_TRANSCODES: '0' }, /Invalid setting MAX_CONCURRENT_TRANSCODES="0": .*less than 1/],
    ['SEGMENT_DURATION_SECONDS', { SEGMENT_DURATION_SECONDS: '2.5' }, /Invalid setting SEGMENT_DURATION_SECONDS="2.5": .*integer/],
    ['FFMPEG_PRESET', { FFMPEG_PRESET: 'warp' }, /Invalid setting FFMPEG_PRESET="warp"/],
    ['FFMPEG_PATH', { FFMPEG_PATH: '/nonexistent/ffmpeg' }, /Invalid setting FFMPEG_PATH="\/nonexistent\/ffmpeg": .*ENOENT/],
    ['TRANSCODE_DIR', { TRANSCODE_DIR: '/proc/version/transcode' }, /Invalid setting TRANSCODE_DIR="\/proc\/version\/transcode": not writable/],
    [
      'FRIGATE_DB_PATH (required by RECORDINGS_SOURCE=frigate-db)',
      { RECORDINGS_SOURCE: 'frigate-db' },
      /Invalid setting FRIGATE_DB_PATH: FRIGATE_DB_PATH is required when RECORDINGS_SOURCE=frigate-db/,
    ],
    [
      'FRIGATE_DB_PATH (not a database)',
      { RECORDINGS_SOURCE: 'frigate-db', FRIGATE_DB_PATH: '/nonexistent/frigate.db' },
      /Invalid setting FRIGATE_DB_PATH="\/nonexistent\/frigate.db": not a readable Frigate database/,
    ],
    ['RECORDINGS_SOURCE', { RECORDINGS_SOURCE: 'nfs' }, /Invalid setting RECORDINGS_SOURCE="nfs"/],
    [
      'FRIGATE_VOD_URL',
      { RECORDINGS_SOURCE: 'frigate-vod', FRIGATE_VOD_URL: 'http://frigate:5000/vod/{camera}/index.m3u8' },
      /Invalid setting FRIGATE_VOD_URL=".*": must contain \{start\}/,
    ],
    ['NODE_URL (required by REDIS_URL)', { REDIS_URL: 'redis://127.0.0.1:1' }, /Invalid setting NODE_URL: required when REDIS_URL is set/],
    [
      'CLUSTER_SECRET (required by REDIS_URL)',
      { REDIS_URL: 'redis://127.0.0.1:1', NODE_URL: 'http://127.0.0.1:3000' },
      /Invalid setting CLUSTER_SECRET: required when REDIS_URL is set/,
    ],
    // A cluster's secret has JWT_SECRET's floor, also where it falls back to JWT_SECRET with auth off (never echoed).
    [
      'CLUSTER_SECRET (shorter than 32 characters)',
      { REDIS_URL: 'redis://127.0.0.1:1', NODE_URL: 'http://127.0.0.1:3001', CLUSTER_SECRET: 'a' },
      /^nvr-transcoder failed to start: Invalid setting CLUSTER_SECRET: must be at least 32 characters/,
    ],
    [
      'JWT_SECRET (a short one standing in for CLUSTER_SECRET with auth off)',
      { REDIS_URL: 'redis://127.0.0.1:1', NODE_URL: 'http://127.0.0.1:3001', JWT_SECRET: 'short', AUTH_DISABLED: 'true' },
      /^nvr-transcoder failed to start: Invalid setting JWT_SECRET: must be at least 32 characters .*stands in for CLUSTER_SECRET/,
    ],
    [
      'METRICS_TOKEN (shorter than 32 characters, never echoed)',
      { METRICS_TOKEN: 'prometheus' },
      /^nvr-transcoder failed to start: Invalid setting METRICS_TOKEN: must be at least 32/,
    ],
    [
      'BIND_ADDRESS',
      { BIND_ADDRESS: 'localhost' },
      /^nvr-transcoder failed to start: Invalid setting BIND_ADDRESS="localhost": must be an IPv4 or IPv6 address/,
    ],
    // Its value is not echoed: a Redis URL may carry the password.
    ['REDIS_URL', { REDIS_URL: 'http://redis:6379' }, /Invalid setting REDIS_URL: must be a redis:\/\//],
    ['TRANSCODE_DIR (holding the recordings)', { TRANSCODE_DIR: FIXTURES_DIR }, /Invalid setting TRANSCODE_DIR=".*": it overlaps RECORDINGS_DIR=/],
    ['FFMPEG_HWACCEL', { FFMPEG_HWACCEL: 'cuda' }, /Invalid setting FFMPEG_HWACCEL="cuda": must be one of none, vaapi, .*preset-vaapi/],
    [
      'FFMPEG_HWACCEL_DEVICE',
      { FFMPEG_HWACCEL: 'preset-vaapi', FFMPEG_HWACCEL_DEVICE: '/etc/passwd' },
      /Invalid setting FFMPEG_HWACCEL_DEVICE="\/etc\/passwd": vaapi needs a render node/,
    ],
  ])('stops with one line naming %s', async (_name, env, message) => {
    const server = await startAppProcess(env as Record<string, string>, false);
    try {
      expect((await server.exited).code).toBe(1);
      const errorLines = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('nvr-transcoder failed to start'));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(message);
      expect(server.output()).not.toMatch(/\n\s+at /);
    } finally {
      await server.cleanup();
    }
  });
});

describe('BIND_ADDRESS (e2e, built app)', () => {
  it('puts every port on that one address: the API, the front door and the nodes’ own routes answer there and nowhere else', async () => {
    const redis = await startRedisServer();
    // 127.0.0.2 is this machine too (Linux answers all of 127/8 on loopback), but not 127.0.0.1.
    const address = '127.0.0.2';
    const [port, frontDoorPort, internalPort] = [await freePort(), await freePort(), await freePort()];
    const server = await startAppProcess(
      {
        PORT: String(port),
        BIND_ADDRESS: address,
        FRONT_DOOR_PORT: String(frontDoorPort),
        FRIGATE_URL: 'http://127.0.0.1:9',
        REDIS_URL: redis.url,
        NODE_URL: `http://${address}:${internalPort}`,
        CLUSTER_SECRET: 'bind-address-e2e-cluster-secret-32',
      },
      false,
    );
    try {
      await waitFor(async () => {
        if (server.child.exitCode !== null) throw new Error(`app exited during start:\n${server.output()}`);
        return (await fetch(`http://${address}:${internalPort}/`).catch(() => null)) !== null;
      }, 20_000);
      for (const listening of [port, frontDoorPort, internalPort]) {
        // Any answer at all: the port is open on BIND_ADDRESS…
        expect((await fetch(`http://${address}:${listening}/health`)).status).toBeGreaterThanOrEqual(200);
        // …and on no other address.
        await expect(fetch(`http://127.0.0.1:${listening}/health`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
      }
      expect((await getJson(`http://${address}:${port}/health`)).status).toBe(200);
    } finally {
      await server.cleanup();
      await redis.stop();
    }
  });
});

describe('/health (e2e)', () => {
  it('answers 503 naming ffmpeg when the binary disappears while running: anyone learns each check’s status, only an admin’s token why', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'nvr-e2e-bin-'));
    const ffmpeg = join(bin, 'ffmpeg');
    await symlink(execFileSync('sh', ['-c', 'command -v ffmpeg']).toString().trim(), ffmpeg);
    const secret = 'a-health-test-secret-of-more-than-32-characters';
    const app = await startTestApp({ FFMPEG_PATH: ffmpeg, AUTH_DISABLED: 'false', JWT_SECRET: secret });
    const asAdmin = { headers: { authorization: `Bearer ${sign({ sub: 'ops', role: 'admin' }, secret, { algorithm: 'HS256', expiresIn: '10m' })}` } };
    try {
      expect((await getJson(`${app.baseUrl}/health`)).status).toBe(200);
      await rm(ffmpeg);
      // The probe is cached for a few seconds; it turns red once the cache expires.
      let status = 0;
      let body: any;
      await waitFor(
        async () => {
          ({ status, body } = await getJson(`${app.baseUrl}/health`));
          return status === 503;
        },
        15_000,
        500,
      );
      expect(status).toBe(503);
      // Without a token: which check is down and nothing of why (paths, stderr, internal URLs).
      const statusOnly = (checks: Record<string, unknown>) => Object.fromEntries(Object.keys(checks).map((name) => [name, { status: expect.any(String) }]));
      expect(body).toEqual({
        success: false,
        status: 'error',
        message: 'Unhealthy: ffmpeg',
        info: statusOnly(body.info),
        error: { ffmpeg: { status: 'down' } },
        details: { ...statusOnly(body.details), ffmpeg: { status: 'down' }, transcode_dir: { status: 'up' } },
      });
      expect(JSON.stringify(body)).not.toMatch(new RegExp(`ENOENT|${bin}|${app.transcodeDir}|freeMiB|hwaccel|single node`));

      const admin = await getJson(`${app.baseUrl}/health`, asAdmin);
      expect(admin.status).toBe(503);
      expect(admin.body.error.ffmpeg).toMatchObject({ status: 'down', message: expect.stringMatching(/ENOENT/) });
      expect(admin.body.details.transcode_dir).toMatchObject({ status: 'up', freeMiB: expect.any(Number) });
    } finally {
      await app.close();
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('answers 503 naming the transcode dir when it stops being writable', async () => {
    const app = await startTestApp();
    try {
      // Root ignores permission bits, so the folder is replaced by a file instead.
      await rm(app.transcodeDir, { recursive: true });
      const { writeFile } = await import('node:fs/promises');
      await writeFile(app.transcodeDir, '');
      const { status, body } = await getJson(`${app.baseUrl}/health`);
      expect(status).toBe(503);
      expect(body.error.transcode_dir.status).toBe('down');
      await rm(app.transcodeDir);
    } finally {
      await app.close();
    }
  });
});
