import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { RedisSessionRegistry } from '../libs/cluster/src/redis-session.registry';
import { freePort, waitFor } from './support/net';

interface ComposeFile {
  services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
}

/** Compose's own step on a command: `$$` is a literal `$` for the container's shell. */
const composeCommand = (command: string[]) => command.map((part) => part.replace(/\$\$/g, '$'));

/**
 * The cluster profile of docker-compose.yml, run as its containers would run it (its Redis
 * command under sh, with the local redis-server): Redis requires a password, and refuses to
 * start without one; the replicas' REDIS_URL carries it, and a client without it gets nothing.
 */
describe('docker-compose.yml cluster profile: Redis with a password (e2e, real redis-server)', () => {
  const compose = load(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8')) as ComposeFile;
  const redis = compose.services.redis;

  it('refuses to start Redis without REDIS_PASSWORD, saying so', () => {
    const [shell, ...args] = composeCommand(redis.command!);
    const run = spawnSync(shell, args, { env: { PATH: process.env.PATH, REDIS_PASSWORD: '' }, encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('set REDIS_PASSWORD');
  });

  it('starts Redis that answers only with the password the replicas’ REDIS_URL carries', async () => {
    const port = await freePort();
    const password = 'compose-e2e-password';
    const [shell, ...args] = composeCommand(redis.command!);
    // The same command, on a free loopback port instead of the container's 6379.
    const child = spawn(shell, [args[0], `${args[1]} --port ${port} --bind 127.0.0.1`], {
      env: { PATH: process.env.PATH, REDIS_PASSWORD: password },
      stdio: 'ignore',
    });
    const url = compose.services['nvr-transcoder-1'].environment!.REDIS_URL.replace('${REDIS_PASSWORD:-}', password).replace('redis:6379', `127.0.0.1:${port}`);
    const withPassword = new RedisSessionRegistry(url);
    const without = new RedisSessionRegistry(`redis://127.0.0.1:${port}`);
    try {
      await waitFor(
        async () =>
          (await withPassword
            .liveNodes()
            .then(() => true)
            .catch(() => false)) === true,
        10_000,
      );
      await expect(without.liveNodes()).rejects.toThrow(/NOAUTH|Authentication required/i);
    } finally {
      await withPassword.close();
      await without.close();
      child.kill('SIGKILL');
    }
  });
});
