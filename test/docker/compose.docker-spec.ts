import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump, load } from 'js-yaml';
import { FRONT, RECORDINGS_DIR, T0 } from '../support/fixtures';
import { probeStreams } from '../support/ffprobe';
import { downloadSegment, rangeUrl } from '../support/media-playlist';
import { freePort, waitFor } from '../support/net';
import { IMAGE, SECRET, adminAuth as auth, buildImage, docker, run, writesAsNode } from './docker';

const ROOT = resolve(__dirname, '..', '..');

interface ServiceChanges {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  /** Mounts that replace the file's own at the same target (or add one). */
  volumes?: string[];
}

type ComposeFile = {
  services: Record<string, Record<string, unknown> & { volumes?: (string | { target: string })[]; environment?: Record<string, string> }>;
  networks?: unknown;
};

/**
 * Pure: a compose file as the test runs it. Every service on the host's network, its published
 * ports dropped (they mean nothing there, and compose refuses them beside it), and the default
 * network the host's own, so compose creates no network (none may be created on these machines);
 * then the test's changes (the image just built, ports that must differ on one network,
 * addresses on loopback, stand-ins' commands).
 */
export function onHostNetwork(file: ComposeFile, changes: Record<string, ServiceChanges>): ComposeFile {
  const services: ComposeFile['services'] = {};
  for (const [name, service] of Object.entries(file.services)) {
    const change = changes[name] ?? {};
    const { ports: _ports, ...rest } = service;
    const targetOf = (volume: string | { target: string }) => (typeof volume === 'string' ? volume.split(':')[1] : volume.target);
    const replaced = new Set((change.volumes ?? []).map(targetOf));
    services[name] = {
      ...rest,
      network_mode: 'host',
      ...(change.image ? { image: change.image } : {}),
      ...(change.command ? { command: change.command } : {}),
      environment: { ...(service.environment ?? {}), ...(change.environment ?? {}) },
      volumes: [...(service.volumes ?? []).filter((volume) => !replaced.has(targetOf(volume))), ...(change.volumes ?? [])],
    };
  }
  return { ...file, services, networks: { default: { external: true, name: 'host' } } };
}

/** docker-compose (v1) on one of the project's compose files, as onHostNetwork changes it. */
class ComposeProject {
  private readonly files: string[];

  constructor(
    readonly name: string,
    file: string,
    private readonly env: Record<string, string>,
  ) {
    this.files = [file];
  }

  async run(...args: string[]): Promise<string> {
    const files = this.files.flatMap((file) => ['-f', file]);
    // (Relative paths in the file are the project's: ./deploy/nginx/…, ./data/recordings.)
    const { stdout } = await run('docker-compose', ['-p', this.name, '--project-directory', ROOT, ...files, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  }

  /** The container of a service, as compose names it. */
  container(service: string): string {
    return `${this.name}_${service}_1`;
  }

  async health(service: string): Promise<string> {
    return docker('inspect', '-f', '{{.State.Health.Status}}', this.container(service));
  }

  async down(): Promise<void> {
    await this.run('down', '-v', '--remove-orphans', '-t', '20').catch(() => undefined);
  }
}

async function segmentIsH264(baseUrl: string, scratch: string): Promise<void> {
  const created = await fetch(`${baseUrl}${rangeUrl(FRONT.camera, T0 + 2.5, T0 + 40)}`, auth);
  expect(created.status).toBe(200);
  const { sessionId } = (await created.json()) as { sessionId: string };
  const path = await downloadSegment(baseUrl, sessionId, 1, scratch, auth);
  expect((await probeStreams(path)).find((stream) => stream.codec_type === 'video')?.codec_name).toBe('h264');
}

/**
 * The compose files, started by docker-compose (Debian's v1) in a real Docker engine, with a
 * test-only override that only changes the network (the host's: no bridge networks here), the
 * ports that must differ on one network, and the image (the one just built).
 */
describe('the compose files (docker-compose with a host-network override)', () => {
  let scratch: string;
  let networks: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nvr-compose-'));
    networks = await docker('network', 'ls', '--format', '{{.Name}} {{.Driver}}');
  });

  // Compose made no network (none may be made here): every service ran on the host's.
  afterEach(async () => {
    expect(await docker('network', 'ls', '--format', '{{.Name}} {{.Driver}}')).toBe(networks);
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function composeFile(name: string, shipped: string, changes: Record<string, ServiceChanges>): Promise<string> {
    const file = load(await readFile(join(ROOT, shipped), 'utf8')) as ComposeFile;
    const path = join(scratch, `${name}.compose.yml`);
    await writeFile(path, dump(onHostNetwork(file, changes), { lineWidth: -1 }));
    return path;
  }

  it('the default profile: the service turns healthy, writes its tmpfs as node, and transcodes', async () => {
    const port = await freePort();
    const file = await composeFile('default', 'docker-compose.yml', {
      'nvr-transcoder': { image: IMAGE, environment: { PORT: String(port), JWT_SECRET: SECRET } },
    });
    const project = new ComposeProject('nvrdefault', file, { RECORDINGS_HOST_DIR: RECORDINGS_DIR });
    try {
      await project.run('up', '-d', '--no-build', 'nvr-transcoder');
      await waitFor(async () => (await project.health('nvr-transcoder')) === 'healthy', 120_000, 1000);
      expect(await writesAsNode(project.container('nvr-transcoder'), '/tmp/stream/transcode')).toBe(true);
      await segmentIsH264(`http://127.0.0.1:${port}`, scratch);
    } finally {
      await project.down();
    }
  }, 240_000);

  it('the cluster profile: two replicas, Redis and nginx; a segment fetched through nginx', async () => {
    // Stand-ins for the images compose names but no registry here serves: the same programs from
    // Debian's packages, tagged as the compose file names them (as the Node images are).
    await buildImage(
      'redis:7-alpine',
      'FROM node:22-bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*\n',
    );
    await buildImage(
      'nginx:1.27-alpine',
      'FROM node:22-bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends nginx && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/*\n' +
        'CMD ["nginx", "-g", "daemon off;"]\n',
    );
    const [redisPort, nginxPort, public1, public2, internal1, internal2] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    // The shipped nginx configuration, with the replicas' addresses on the host's network.
    const shipped = await readFile(join(ROOT, 'deploy', 'nginx', 'cluster.conf'), 'utf8');
    const nginxConf = join(scratch, 'cluster.conf');
    await writeFile(
      nginxConf,
      shipped
        .replace('nvr-transcoder-1:3000', `127.0.0.1:${public1}`)
        .replace('nvr-transcoder-2:3000', `127.0.0.1:${public2}`)
        .replace(/listen 80;/, `listen ${nginxPort};`),
    );
    const password = 'compose-test-redis-password';
    const replica = (port: number, internal: number): ServiceChanges => ({
      image: IMAGE,
      environment: {
        PORT: String(port),
        NODE_URL: `http://127.0.0.1:${internal}`,
        REDIS_URL: `redis://:${password}@127.0.0.1:${redisPort}`,
      },
    });
    const file = await composeFile('cluster', 'docker-compose.yml', {
      redis: {
        command: ['sh', '-c', `exec redis-server --port ${redisPort} --bind 127.0.0.1 --save '' --appendonly no --requirepass "$$REDIS_PASSWORD"`],
      },
      'nvr-transcoder-1': replica(public1, internal1),
      'nvr-transcoder-2': replica(public2, internal2),
      nginx: { volumes: [`${nginxConf}:/etc/nginx/conf.d/default.conf:ro`] },
    });
    const project = new ComposeProject('nvrcluster', file, {
      RECORDINGS_HOST_DIR: RECORDINGS_DIR,
      JWT_SECRET: SECRET,
      REDIS_PASSWORD: password,
    });
    try {
      // As the compose file says: nginx starts the replicas and Redis.
      await project.run('--profile', 'cluster', 'up', '-d', '--no-build', 'nginx');
      const nginx = `http://127.0.0.1:${nginxPort}`;
      await waitFor(async () => (await fetch(`${nginx}/health`).catch(() => null))?.status === 200, 120_000, 1000);
      const health = (await (await fetch(`http://127.0.0.1:${public1}/health`, auth)).json()) as { info: { cluster: { liveNodes: string[] } } };
      expect(health.info.cluster.liveNodes).toEqual(['nvr-transcoder-1', 'nvr-transcoder-2']);
      await segmentIsH264(nginx, scratch);
      // The nodes' own routes are not reachable through nginx.
      expect((await fetch(`${nginx}/internal/cluster/sessions`)).status).toBe(404);
    } finally {
      await project.down();
    }
  }, 420_000);

  it('the Frigate file: the front door before a stand-in Frigate (the e2e tests’ fake, in a container) answers Frigate’s /vod in H.264', async () => {
    const [frigatePort, internalPort, apiPort, doorPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const login = 'compose-frigate-login-token';
    const config = await mkdtemp(join(scratch, 'frigate-config-'));
    const file = await composeFile('frigate', 'docker-compose.frigate.yml', {
      // Frigate's own image is not here: the fake Frigate of the e2e tests, run by the image just
      // built (it has Node and ffmpeg) from this checkout, mounted read-only.
      frigate: {
        image: IMAGE,
        command: ['node', '/repo/node_modules/tsx/dist/cli.mjs', '/repo/test/docker/fake-frigate.main.ts'],
        environment: {
          FAKE_FRIGATE_PORT: String(frigatePort),
          FAKE_FRIGATE_INTERNAL_PORT: String(internalPort),
          FAKE_FRIGATE_CAMERAS: FRONT.camera,
          FAKE_FRIGATE_TOKEN: login,
          RECORDINGS_DIR: '/media/frigate/recordings',
        },
        volumes: [`${ROOT}:/repo:ro`, `${config}:/config`],
      },
      'nvr-transcoder': {
        image: IMAGE,
        environment: {
          PORT: String(apiPort),
          FRONT_DOOR_PORT: String(doorPort),
          FRIGATE_URL: `http://127.0.0.1:${frigatePort}`,
          FRIGATE_VOD_URL: `http://127.0.0.1:${internalPort}/vod/{camera}/start/{start}/end/{end}/index.m3u8`,
        },
      },
    });
    const media = await mkdtemp(join(scratch, 'frigate-media-'));
    await run('cp', ['-r', RECORDINGS_DIR, join(media, 'recordings')]);
    // Readable by the containers' user (uid 1000), as Frigate's media folder is.
    await Promise.all([scratch, media, config].map((dir) => chmod(dir, 0o755)));
    const project = new ComposeProject('nvrfrigate', file, { FRIGATE_JWT_SECRET: SECRET, FRIGATE_MEDIA_DIR: media });
    try {
      await project.run('up', '-d', '--no-build');
      await waitFor(async () => (await project.health('nvr-transcoder')) === 'healthy', 120_000, 1000);
      const door = `http://127.0.0.1:${doorPort}`;
      const cookie = { headers: { cookie: `frigate_token=${login}` } };
      // Frigate's UI and API pass through to Frigate.
      const ui = await fetch(`${door}/`, cookie);
      expect(ui.headers.get('x-served-by')).toBe('fake-frigate');
      // Its /vod is answered here, in H.264.
      const vod = `${door}/vod/${FRONT.camera}/start/${T0 + 2.5}/end/${T0 + 40}`;
      const master = await fetch(`${vod}/master.m3u8`, cookie);
      expect(master.status).toBe(200);
      expect(await master.text()).toContain('avc1.');
      const media = await fetch(`${vod}/index.m3u8`, cookie);
      const first = (await media.text()).split('\n').find((line) => line.endsWith('.ts') || line.includes('.ts?'))!;
      const segment = await fetch(`${vod}/${first}`, cookie);
      expect(segment.status).toBe(200);
      const path = join(scratch, 'front-door.ts');
      await writeFile(path, Buffer.from(await segment.arrayBuffer()));
      expect((await probeStreams(path)).find((stream) => stream.codec_type === 'video')?.codec_name).toBe('h264');
      // Without a Frigate login: refused, as Frigate refuses.
      expect((await fetch(`${vod}/master.m3u8`)).status).toBe(401);
    } finally {
      await project.down();
    }
  }, 420_000);
});
