/**
 * A stand-in for Frigate's internal port, for the frigate-vod source tests: a real HTTP server
 * that answers /vod/{camera}/start/{start}/end/{end}/index.m3u8 with fMP4 HLS that ffmpeg makes
 * from the fixture recordings of that range (as Frigate's nginx-vod does from its own), plus the
 * bits of Frigate's API the source reads (/api/config, /api/version, /api/{camera}/recordings).
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildConcatList } from '../../libs/ffmpeg/src/ffmpeg-concat-list';
import { hourFolder, recordingStartTime } from '../../libs/recordings/src/frigate-recordings-layout';
import { readMp4Info } from '../../libs/recordings/src/mp4-header.reader';
import { planTimeline } from '../../libs/recordings/src/recording-timeline';
import { RECORDINGS_DIR } from './fixtures';

const run = promisify(execFile);
/** Upstream segment length; Frigate's nginx-vod uses 10 s, shorter here so tests can see which one is fetched. */
export const UPSTREAM_SEGMENT_SECONDS = 4;

export interface FrigateVodServer {
  /** e.g. http://127.0.0.1:PORT/vod/{camera}/start/{start}/end/{end}/index.m3u8 */
  vodUrlTemplate: string;
  origin: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** Answer every request with this status from now on (null: serve normally). */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

interface FixtureFile {
  path: string;
  startTime: number;
  durationSeconds: number;
}

/** What a fuller stand-in (test/support/fake-frigate.ts) adds in front of the VOD routes. */
export interface FrigateVodServerExtras {
  /** Answers a request itself (true), or leaves it to the VOD routes (false). */
  intercept?(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> | boolean;
  /** WebSocket upgrades. */
  upgrade?(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Frigate's recordings folder (the test fixtures' by default; the benchmark's demo recordings). */
  recordingsDir?: string;
  /** Where it listens: a free loopback port by default (a fixed one when it runs in a container). */
  port?: number;
  host?: string;
}

export async function startFrigateVodServer(cameras: readonly string[], extras: FrigateVodServerExtras = {}): Promise<FrigateVodServer> {
  const workDir = await mkdtemp(join(tmpdir(), 'nvr-e2e-vod-'));
  const packaged = new Map<string, Promise<string | null>>();
  const requests: string[] = [];
  let failure: number | null = null;

  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    requests.push(path);
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(error.message);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://x');
    if (failure !== null) return void response.writeHead(failure).end('upstream failure');
    if (extras.intercept && (await extras.intercept(request, response, url))) return;
    if (url.pathname === '/api/version') return void response.end('0.16.0-test');
    if (url.pathname === '/api/config') {
      return json(response, { cameras: Object.fromEntries(cameras.map((camera) => [camera, { enabled: true }])) });
    }
    const recordings = /^\/api\/([^/]+)\/recordings$/.exec(url.pathname);
    if (recordings) {
      const after = Number(url.searchParams.get('after'));
      const before = Number(url.searchParams.get('before'));
      const files = cameras.includes(recordings[1]) ? await fixtureFiles(recordings[1], after, before, extras.recordingsDir) : [];
      return json(
        response,
        files.map((file, index) => ({
          id: `r${index}`,
          start_time: file.startTime,
          end_time: file.startTime + file.durationSeconds,
          duration: file.durationSeconds,
        })),
      );
    }
    const vod = /^\/vod\/([^/]+)\/start\/([\d.]+)\/end\/([\d.]+)\/([\w.-]+)$/.exec(url.pathname);
    if (!vod || !cameras.includes(vod[1])) return void response.writeHead(404).end();
    const key = `${vod[1]}-${vod[2]}-${vod[3]}`;
    if (!packaged.has(key)) packaged.set(key, packageRange(key, vod[1], Number(vod[2]), Number(vod[3])));
    const dir = await packaged.get(key)!;
    if (!dir) return void response.writeHead(404).end();
    const file = join(dir, vod[4]);
    const info = await stat(file).catch(() => null);
    if (!info) return void response.writeHead(404).end();
    response.writeHead(200, {
      'Content-Type': vod[4].endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp4',
      'Content-Length': info.size,
    });
    createReadStream(file).pipe(response);
  }

  /** The range as fMP4 HLS (stream copy, cut at keyframes), or null when it has no recordings. */
  async function packageRange(key: string, camera: string, start: number, end: number): Promise<string | null> {
    const files = await fixtureFiles(camera, start, end, extras.recordingsDir);
    const timeline = planTimeline(
      files.map((file) => ({ camera, ...file })),
      start,
      end,
    );
    if (!timeline.pieces.length) return null;
    const dir = join(workDir, key);
    await mkdir(dir, { recursive: true });
    const list = join(dir, 'input.ffconcat');
    await writeFile(
      list,
      // Whole files from their start (the tests ask for ranges that start on a file), cut at the end.
      buildConcatList(
        timeline.pieces.map((piece) => ({
          path: piece.path,
          durationSeconds: piece.inpointSeconds + piece.durationSeconds,
          outpointSeconds:
            piece.inpointSeconds + piece.durationSeconds < piece.fileDurationSeconds - 0.001 ? piece.inpointSeconds + piece.durationSeconds : undefined,
        })),
      ),
    );
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      list,
      '-c',
      'copy',
      '-f',
      'hls',
      '-hls_segment_type',
      'fmp4',
      '-hls_time',
      String(UPSTREAM_SEGMENT_SECONDS),
      '-hls_playlist_type',
      'vod',
      '-hls_fmp4_init_filename',
      'init.mp4',
      '-hls_segment_filename',
      join(dir, 'seg-%d.m4s'),
      join(dir, 'index.m3u8'),
    ]);
    return dir;
  }

  if (extras.upgrade) server.on('upgrade', extras.upgrade);
  await new Promise<void>((resolve) => server.listen(extras.port ?? 0, extras.host ?? '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    vodUrlTemplate: `${origin}/vod/{camera}/start/{start}/end/{end}/index.m3u8`,
    origin,
    requests,
    failWith: (status) => (failure = status),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** The fixture recordings of `camera` that overlap [start, end), sorted. */
export async function fixtureFiles(camera: string, start: number, end: number, recordingsDir = RECORDINGS_DIR): Promise<FixtureFile[]> {
  const files: FixtureFile[] = [];
  for (let hour = Math.floor(start / 3600) - 1; hour <= Math.floor(end / 3600); hour += 1) {
    const [date, hh] = hourFolder(hour * 3600).split('/');
    const dir = join(recordingsDir, date, hh, camera);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const startTime = recordingStartTime(date, hh, name);
      const info = startTime === null ? null : await readMp4Info(join(dir, name)).catch(() => null);
      if (startTime === null || !info) continue;
      if (startTime < end && startTime + info.durationSeconds > start) {
        files.push({ path: join(dir, name), startTime, durationSeconds: info.durationSeconds });
      }
    }
  }
  return files.sort((a, b) => a.startTime - b.startTime);
}

function json(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
