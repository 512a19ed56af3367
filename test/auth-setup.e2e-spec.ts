import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FRONT, T0 } from './support/fixtures';
import { getJson, makeScratchDir, rangeUrl, startAppProcess, startTestApp } from './support/test-app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/** `npm run token`'s script, run as a person would. */
async function makeToken(env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/make-token.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  return stdout.trim();
}

describe('auth set-up (e2e)', () => {
  it('without JWT_SECRET, generates a secret once into DATA_DIR, and `npm run token` signs with it', async () => {
    const scratch = await makeScratchDir();
    const dataDir = join(scratch, 'data');
    const app = await startTestApp({ AUTH_DISABLED: 'false', DATA_DIR: dataDir });
    try {
      const secret = (await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect((await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 10)}`)).status).toBe(401);

      const admin = await makeToken({ DATA_DIR: dataDir, JWT_SECRET: '' }, '--role', 'admin', '--ttl', '10m');
      const created = await getJson(`${app.baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 10)}`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(created.status).toBe(200);
      const viewer = await makeToken({ DATA_DIR: dataDir, JWT_SECRET: '' }, '--role', 'viewer');
      expect((await getJson(`${app.baseUrl}/transcode/sessions`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('`npm run token` refuses to run without --role', async () => {
    await expect(makeToken({ JWT_SECRET: 'x' })).rejects.toMatchObject({ stderr: expect.stringMatching(/usage: npm run token/) });
  });

  it('AUTH_DISABLED=true lets requests through without a token and warns at start', async () => {
    const server = await startAppProcess({ AUTH_DISABLED: 'true' });
    try {
      expect(server.output()).toMatch(/AUTH_DISABLED=true: every request is trusted/);
      expect((await getJson(`${server.baseUrl}/transcode/sessions`)).status).toBe(200);
    } finally {
      await server.cleanup();
    }
  });

  it('refuses to start with a JWT_SECRET shorter than 32 characters, in one line naming it', async () => {
    const server = await startAppProcess({ AUTH_DISABLED: '', JWT_SECRET: 'short-secret' }, false);
    try {
      const { code } = await server.exited;
      expect(code).not.toBe(0);
      expect(server.output()).toMatch(/JWT_SECRET must be at least 32 characters/);
      expect(server.output()).not.toContain('short-secret');
    } finally {
      await server.cleanup();
    }
  });

  it('refuses to start with a secret file in DATA_DIR shorter than 32 characters, as it refuses JWT_SECRET: one line naming the file, never the secret', async () => {
    const scratch = await makeScratchDir();
    const dataDir = join(scratch, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    await writeFile(join(dataDir, 'jwt-secret'), 'short-file-secret\n', { mode: 0o600 });
    const server = await startAppProcess({ AUTH_DISABLED: '', JWT_SECRET: '', DATA_DIR: dataDir }, false);
    try {
      // A deadline, so an app that starts with the secret fails here rather than hanging the suite.
      const exit = await Promise.race([server.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
      expect(exit).toMatchObject({ code: 1 });
      const [line, ...others] = server
        .output()
        .split('\n')
        .filter((text) => text.includes('jwt-secret'));
      expect(line).toBe(
        `nvr-transcoder failed to start: Invalid setting DATA_DIR: the JWT secret file ${join(dataDir, 'jwt-secret')} holds 17 characters, fewer than 32 ` +
          '(a shorter secret can be guessed from any token); delete it to have a new one made, or set JWT_SECRET',
      );
      expect(others).toEqual([]);
      expect(server.output()).not.toContain('short-file-secret');
    } finally {
      await server.cleanup();
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('auth is on by default: no token, no access', async () => {
    const server = await startAppProcess({ AUTH_DISABLED: '', JWT_SECRET: 'some-secret-of-at-least-32-characters' });
    try {
      expect(server.output()).not.toMatch(/AUTH_DISABLED=true/);
      expect((await getJson(`${server.baseUrl}/transcode/sessions`)).status).toBe(401);
    } finally {
      await server.cleanup();
    }
  });
});
