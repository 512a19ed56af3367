import { Logger } from '@nestjs/common';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Server, createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
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
    // The registries run outside an app (whose logs go to a file): the output is the results.
    Logger.overrideLogger(false);
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

/**
 * The shipped deploy/nginx/cluster.conf, run by the local nginx in front of a stand-in replica
 * that records every request and answers 200 to anything, /internal/ included: nginx itself must
 * refuse the nodes' own routes, whatever the replicas behind it would answer. (A real replica has
 * no /internal on its public port, so a check against one would pass without nginx's rule.)
 */
describe('deploy/nginx/cluster.conf: nginx refuses /internal itself (e2e, real nginx)', () => {
  // Debian's nginx (scripts/setup.sh installs it for npm test), else one on the PATH.
  const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((path) => existsSync(path)) ?? 'nginx';
  let scratch: string;
  let nginx: ChildProcess;
  let replica: Server;
  let nginxUrl: { host: string; port: number };
  /** Every path the stand-in replica was asked for, as nginx sent it. */
  const proxied: string[] = [];

  /** A GET with the path exactly as written (fetch would resolve dot segments first). */
  const rawGet = (path: string) =>
    new Promise<number>((resolve, reject) =>
      httpRequest({ ...nginxUrl, path, method: 'GET' }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      })
        .on('error', reject)
        .end(),
    );

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nvr-nginx-'));
    replica = createServer((request, response) => {
      proxied.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => replica.listen(0, '127.0.0.1', resolve));
    const replicaPort = (replica.address() as { port: number }).port;
    const port = await freePort();
    nginxUrl = { host: '127.0.0.1', port };
    // The shipped file, with the replicas' names and nginx's port on loopback (as the Docker spec rewrites it).
    const shipped = await readFile(join(__dirname, '..', 'deploy', 'nginx', 'cluster.conf'), 'utf8');
    await writeFile(
      join(scratch, 'cluster.conf'),
      shipped
        .replace('nvr-transcoder-1:3000', `127.0.0.1:${replicaPort}`)
        .replace('nvr-transcoder-2:3000', `127.0.0.1:${replicaPort}`)
        .replace(/listen 80;/, `listen 127.0.0.1:${port};`),
    );
    // Around it, what the image's own nginx.conf gives it (the http block), every path in the scratch folder.
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${join(scratch, kind)};`).join(' ');
    await writeFile(
      join(scratch, 'nginx.conf'),
      `daemon off; master_process off; pid ${join(scratch, 'nginx.pid')}; error_log ${join(scratch, 'error.log')} warn;\n` +
        `events { worker_connections 64; }\nhttp { access_log off; ${temp} include ${join(scratch, 'cluster.conf')}; }\n`,
    );
    nginx = spawn(NGINX, ['-p', scratch, '-e', join(scratch, 'error.log'), '-c', join(scratch, 'nginx.conf')], { stdio: 'ignore' });
    await waitFor(async () => {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${await readFile(join(scratch, 'error.log'), 'utf8').catch(() => '')}`);
      return (await rawGet('/health').catch(() => 0)) === 200;
    }, 10_000);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => replica?.close(resolve));
    await rm(scratch, { recursive: true, force: true });
  });

  it('proxies the public routes to a replica', async () => {
    expect(await rawGet('/transcode/front/start/1/end/2')).toBe(200);
    expect(proxied).toContain('/transcode/front/start/1/end/2');
  });

  it.each([
    '/internal/cluster/sessions',
    '/internal/cluster/sessions/0123456789abcdef0123456789abcdef/seg_00000.ts',
    '/internal',
    '/INTERNAL/cluster/sessions',
    '/%69nternal/cluster/sessions',
    '//internal/cluster/sessions',
    '/./internal/cluster/sessions',
    '/stream/../internal/cluster/sessions',
  ])('answers %s itself, with 404, and never asks a replica', async (path) => {
    const before = proxied.length;
    expect(await rawGet(path)).toBe(404);
    expect(proxied.slice(before)).toEqual([]);
  });
});
