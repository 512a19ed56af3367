import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { sign } from 'jsonwebtoken';
import { probeStreams } from './support/ffprobe';
import { FRONT, RECORDINGS_DIR, T0 } from './support/fixtures';
import { ffmpegProcessesUsing, getJson, rangeUrl, waitFor } from './support/test-app';

const run = promisify(execFile);
const REPO = join(__dirname, '..');
const APP_MANIFEST = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The host asks the versions this repository is built with, so the local npm cache has them. */
const version = (name: string) => APP_MANIFEST.dependencies[name] ?? APP_MANIFEST.devDependencies[name];
const JWT_SECRET = 'the host app secret';

/**
 * The host's environment: this one without NODE_PATH (which could reach this repository's
 * node_modules) nor the npm_* variables `npm test` sets (which would steer the host's npm).
 */
function hostEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|NODE_PATH$|NODE_OPTIONS$|INIT_CWD$)/i.test(name)));
  return { ...env, ...extra };
}

/** The TypeScript example of the package's README (its first ```ts block), which a host copies. */
function readmeExample(): string {
  const example = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(REPO, 'packages', 'nest', 'README.md'), 'utf8'))?.[1];
  if (!example) throw new Error('packages/nest/README.md has no ```ts example');
  return example;
}

/** What `nest new` would have made, cut to what shows the package in use: the host's own config, auth, recordings and transcoder. */
function hostFiles(tarball: string): Record<string, string> {
  return {
    'package.json': JSON.stringify(
      {
        name: 'nvr-package-host',
        version: '0.0.0',
        private: true,
        dependencies: {
          '@nvr-transcoder/nest': `file:${tarball}`,
          // The rest of the package's peers (schedule, swagger, class-validator...) npm installs from its peerDependencies.
          ...Object.fromEntries(
            ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/config', 'reflect-metadata', 'rxjs'].map((name) => [name, version(name)]),
          ),
        },
        devDependencies: Object.fromEntries(['typescript', '@types/node', '@types/express'].map((name) => [name, version(name)])),
      },
      null,
      2,
    ),
    // As `nest new` writes it (libraries' declarations are not checked: skipLibCheck).
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'ES2023',
        strict: true,
        esModuleInterop: true,
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
        skipLibCheck: true,
        types: ['node'],
        rootDir: 'src',
        outDir: 'dist',
      },
      include: ['src'],
    }),
    'src/app.module.ts': `
import { Controller, Get, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AuthModule, RecordingsModule, TranscodeModule, TranscodeSessionService } from '@nvr-transcoder/nest';
import type { HardwareAccelerator } from '@nvr-transcoder/nest/ffmpeg';

/** A route of the host's own that uses the transcoder's engine. */
@Controller('host')
class HostController {
  constructor(private readonly sessions: TranscodeSessionService) {}

  @Get('sessions')
  sessionIds(): string[] {
    return this.sessions.list().map((session) => session.id);
  }
}

const encoder: HardwareAccelerator = 'none';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    AuthModule.forRootAsync({
      isGlobal: true,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        disabled: false,
        jwtSecret: config.getOrThrow<string>('HOST_JWT_SECRET'),
        streamTokenKeyFile: config.getOrThrow<string>('HOST_DATA_DIR') + '/stream-token.key',
        cookieName: 'frigate_token',
        roles: {},
      }),
    }),
    RecordingsModule.forRootAsync({
      isGlobal: true,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ recordingsDir: config.getOrThrow<string>('HOST_RECORDINGS_DIR'), ffprobePath: 'ffprobe' }),
    }),
    TranscodeModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        transcodeDir: config.getOrThrow<string>('HOST_TRANSCODE_DIR'),
        maxConcurrentTranscodes: 2,
        ttlSeconds: 300,
        segmentWaitTimeoutSeconds: 30,
        segmentDurationSeconds: 2,
        maxRangeSeconds: 600,
        outputMaxHeight: 240,
        ffmpegPath: 'ffmpeg',
        ffmpegPreset: 'ultrafast',
        hwaccel: encoder,
        lookaheadSeconds: 30,
        idleTimeoutSeconds: 60,
      }),
    }),
  ],
  controllers: [HostController],
})
export class AppModule {}
`,
    // The typed client the package ships (./client), as a host script would use it: creates a range's session.
    'src/create-with-client.ts': `
import { createTranscodeClient } from '@nvr-transcoder/nest/client';

async function main(): Promise<void> {
  const [baseUrl, token, camera, start, end] = process.argv.slice(2);
  const client = createTranscodeClient(baseUrl, { token });
  const created = await client.GET('/transcode/{camera}/start/{start}/end/{end}', { params: { path: { camera, start, end } } });
  process.stdout.write(JSON.stringify({ status: created.response.status, sessionId: created.data?.sessionId ?? null }) + '\\n');
}
void main();
`,
    // Type-checked and compiled with the rest, not booted: the README's example must hold.
    'src/readme-example.ts': readmeExample(),
    'src/main.ts': `
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  process.stdout.write('listening on ' + (app.getHttpServer().address() as AddressInfo).port + '\\n');
}
void main();
`,
  };
}

/**
 * The package as a stranger gets it: `npm run package` packs it, a fresh Nest app in the
 * system's temp folder (outside this repository, so it sees none of its node_modules) installs
 * the tarball and Nest from the registry (its cache first), type-checks and compiles its own
 * module against the package's declarations, boots, and transcodes a range over HTTP.
 * A path alias left in the package, a file missing from it or a dependency it does not declare
 * fails the build, the install, the type-check or the boot.
 */
describe('the packed @nvr-transcoder/nest in a fresh Nest app (e2e)', () => {
  let host: string;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    const packed = await run('npm', ['run', '-s', 'package'], { cwd: REPO, env: hostEnv(), maxBuffer: 16 * 1024 * 1024 });
    const tarball = packed.stdout.trim().split('\n').pop()!;
    expect(tarball).toMatch(/nvr-transcoder-nest-.*\.tgz$/);

    host = await mkdtemp(join(tmpdir(), 'nvr-package-host-'));
    expect(relative(REPO, host).startsWith('..')).toBe(true);
    // Node looks for node_modules in every folder above the host: none may be there to lend it a package.
    for (let dir = dirname(host); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules'))).toBe(false);

    for (const [path, text] of Object.entries(hostFiles(tarball))) {
      await mkdir(dirname(join(host, path)), { recursive: true });
      await writeFile(join(host, path), text);
    }
    await mkdir(join(host, 'data'));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: host, env: hostEnv(), maxBuffer: 16 * 1024 * 1024 });
  }, 600_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (host) {
      // An ffmpeg the host left (it is stopped with its app): none may outlive the test.
      for (const pid of await ffmpegProcessesUsing(join(host, 'transcode'))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await rm(host, { recursive: true, force: true });
    }
  });

  it('installs a package whose files name no path alias', () => {
    // The host's type-check skips libraries' declarations, where an alias would only make a type `any`: look for one.
    const installed = join(host, 'node_modules', '@nvr-transcoder', 'nest');
    const files = readdirSync(installed, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && /\.(js|d\.ts)$/.test(entry.name));
    expect(files.length).toBeGreaterThan(100);
    expect(files.map((entry) => join(entry.parentPath, entry.name)).filter((path) => readFileSync(path, 'utf8').includes('@app/'))).toEqual([]);
  });

  it("type-checks and compiles the host app, and the package README's example, against the package declarations", async () => {
    const compiled = await run(join(host, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: host, env: hostEnv() }).catch(
      (error: { stdout?: string }) => {
        throw new Error(`the host app does not type-check against the package:\n${error.stdout}`);
      },
    );
    expect(compiled.stdout).toBe('');
    expect(existsSync(join(host, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(host, 'dist', 'readme-example.js'))).toBe(true);
  }, 120_000);

  it('boots the host app and transcodes a range end to end over HTTP', async () => {
    child = spawn(process.execPath, [join(host, 'dist', 'main.js')], {
      cwd: host,
      env: hostEnv({
        HOST_JWT_SECRET: JWT_SECRET,
        HOST_DATA_DIR: join(host, 'data'),
        HOST_RECORDINGS_DIR: RECORDINGS_DIR,
        HOST_TRANSCODE_DIR: join(host, 'transcode'),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await waitFor(() => {
      if (child!.exitCode !== null) throw new Error(`the host app exited during start:\n${output}`);
      return /listening on \d+/.test(output);
    }, 30_000);
    const baseUrl = `http://127.0.0.1:${/listening on (\d+)/.exec(output)![1]}`;

    // The host's auth is on: a Frigate-style login token signed with the host's secret.
    const token = sign({ sub: 'host-user', role: 'viewer' }, Buffer.from(JWT_SECRET, 'utf8'), { algorithm: 'HS256', expiresIn: 600 });
    expect((await getJson(`${baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 10)}`)).status).toBe(401);
    const created = await getJson(`${baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 10)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(created).toMatchObject({ status: 200, body: { success: true, sessionId: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect((await getJson(`${baseUrl}/host/sessions`)).body).toEqual([created.body.sessionId]);

    const playlistUrl = new URL(created.body.playlist, baseUrl);
    const playlist = await fetch(playlistUrl);
    expect(playlist.status).toBe(200);
    const firstSegment = (await playlist.text()).split('\n').find((line) => line !== '' && !line.startsWith('#'));
    expect(firstSegment).toMatch(/^seg_00000\.ts/);
    const segment = await fetch(new URL(firstSegment!, playlistUrl));
    expect(segment.status).toBe(200);
    const segmentPath = join(host, 'seg_00000.ts');
    await writeFile(segmentPath, Buffer.from(await segment.arrayBuffer()));
    const video = (await probeStreams(segmentPath)).find((stream) => stream.codec_type === 'video');
    expect(video).toMatchObject({ codec_name: 'h264', height: 240 });

    // The typed client from the package itself, against the host.
    const viaClient = await run(process.execPath, [join(host, 'dist', 'create-with-client.js'), baseUrl, token, FRONT.camera, String(T0 + 2), String(T0 + 8)], {
      cwd: host,
      env: hostEnv(),
    });
    expect(JSON.parse(viaClient.stdout)).toEqual({ status: 200, sessionId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  }, 120_000);
});
