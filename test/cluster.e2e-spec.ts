import Redis from 'ioredis';
import { sign } from 'jsonwebtoken';
import { writeFile } from 'node:fs/promises';
import { readClusterSettings } from '../libs/cluster/src/cluster.config';
import { clusterNodeOf, signClusterRequest } from '../libs/cluster/src/cluster-request-signature';
import { join } from 'node:path';
import { BACK, FRONT, LONG, T0 } from './support/fixtures';
import { decodeErrors, probeStreams } from './support/ffprobe';
import { sample, scrapeMetrics } from './support/prometheus';
import { RedisServer, startRedisServer } from './support/redis-server';
import { AppProcess, ffmpegProcessesUsing, freePort, getJson, makeScratchDir, rangeUrl, startAppProcess, waitFor } from './support/test-app';
import { getFromAddress } from './support/net';
import { segmentName } from './support/media-playlist';
import { transcodeSessionId } from '@app/transcode';

/** The nodes' shared secret (32 characters at least, as every node's must be). */
const CLUSTER_E2E_SECRET = 'cluster-e2e-secret-of-32-characters';

/**
 * Three nodes of the built app on loopback ports share one real Redis: they act as one service,
 * and a node can die, or Redis restart, without stopping a viewer.
 */
describe('cluster on Redis (e2e, 3 built nodes)', () => {
  let redis: RedisServer;
  let nodes: AppProcess[];
  let scratch: string;
  /** Each node's internal address (NODE_URL), by its public one. */
  const internalUrls = new Map<string, string>();

  async function startNode(name: string, env: Record<string, string> = {}): Promise<AppProcess> {
    const port = String(await freePort());
    const internalPort = String(await freePort());
    internalUrls.set(`http://127.0.0.1:${port}`, `http://127.0.0.1:${internalPort}`);
    return startAppProcess({
      PORT: port,
      REDIS_URL: redis.url,
      NODE_ID: name,
      NODE_URL: `http://127.0.0.1:${internalPort}`,
      CLUSTER_SECRET: CLUSTER_E2E_SECRET,
      NODE_TIMEOUT_SECONDS: '3',
      LOG_LEVEL: 'warn',
      ...env,
    });
  }

  /** ffmpeg processes of every node. */
  async function clusterEncoders(): Promise<number> {
    let count = 0;
    for (const node of nodes)
      if (node.child.exitCode === null && node.child.signalCode === null) count += (await ffmpegProcessesUsing(node.transcodeDir)).length;
    return count;
  }

  /** ffmpeg processes of one session, on every node: more than one would be a duplicate. */
  async function encodersOf(sessionId: string): Promise<number> {
    let count = 0;
    for (const node of nodes) count += (await ffmpegProcessesUsing(join(node.transcodeDir, sessionId))).length;
    return count;
  }

  async function fetchSegment(node: AppProcess, sessionId: string, index: number): Promise<{ status: number; path: string }> {
    const response = await fetch(`${node.baseUrl}/stream/transcode/${sessionId}/${segmentName(index)}`);
    const path = join(scratch, `${sessionId}-${index}-${Math.random().toString(36).slice(2)}.ts`);
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    return { status: response.status, path };
  }

  beforeAll(async () => {
    scratch = await makeScratchDir();
    redis = await startRedisServer();
    nodes = await Promise.all(['node-a', 'node-b', 'node-c'].map((name) => startNode(name, { MAX_CONCURRENT_TRANSCODES: '2' })));
  });

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.cleanup()));
    await redis?.stop();
  });

  it('keeps the nodes’ own routes off the public port, and takes only signed, fresh requests there, each once, and only for that node', async () => {
    const path = '/internal/cluster/sessions';
    const internal = internalUrls.get(nodes[0].baseUrl)!;
    const key = readClusterSettings({ REDIS_URL: redis.url, NODE_URL: internal, CLUSTER_SECRET: CLUSTER_E2E_SECRET, PORT: '1' }).clusterKey!;
    const signed = (nodeUrl = internal, signingKey = key) => signClusterRequest(signingKey, { method: 'GET', path, body: '', node: clusterNodeOf(nodeUrl) });
    // The public port has no such routes, even signed.
    expect((await fetch(`${nodes[0].baseUrl}${path}`, { headers: signed() })).status).toBe(404);
    // The internal port: unsigned, signed with another key, and a captured request sent again are refused.
    expect((await fetch(`${internal}${path}`)).status).toBe(403);
    expect((await fetch(`${internal}${path}`, { headers: signed(internal, 'not-the-key') })).status).toBe(403);
    const headers = signed();
    expect((await fetch(`${internal}${path}`, { headers })).status).toBe(200);
    expect((await fetch(`${internal}${path}`, { headers })).status).toBe(403);
    // A request captured on its way to node B, sent on to node A within the window (A has never
    // seen its nonce): refused, as signed for another node.
    const toB = internalUrls.get(nodes[1].baseUrl)!;
    const capturedForB = signed(toB);
    expect((await fetch(`${toB}${path}`, { headers: capturedForB })).status).toBe(200);
    const replayed = await getJson(`${internal}${path}`, { headers: capturedForB });
    expect(replayed).toMatchObject({ status: 403, body: { success: false, message: expect.stringMatching(/signed for another node/) } });
    // Nothing but the internal routes answers there.
    expect((await fetch(`${internal}/health`)).status).toBe(404);
  });

  it('slows an address that sends wrong signatures to the internal port: refused unheard for a growing pause, other addresses untouched', async () => {
    const path = '/internal/cluster/sessions';
    const internal = internalUrls.get(nodes[2].baseUrl)!;
    const key = readClusterSettings({ REDIS_URL: redis.url, NODE_URL: internal, CLUSTER_SECRET: CLUSTER_E2E_SECRET, PORT: '1' }).clusterKey!;
    const signedWith = (signingKey: string) => signClusterRequest(signingKey, { method: 'GET', path, body: '', node: clusterNodeOf(internal) });
    // A guesser on an address of its own (the nodes talk from 127.0.0.1).
    const guesser = '127.0.0.3';
    const heard: number[] = [];
    let refused = await getFromAddress(`${internal}${path}`, guesser, signedWith('a-guess'));
    for (let i = 0; refused.status === 403 && i < 20; i += 1) {
      heard.push(refused.status);
      refused = await getFromAddress(`${internal}${path}`, guesser, signedWith(`guess-${i}`));
    }
    // Five wrong guesses are heard (a misconfigured node's first few), then the address is paused.
    expect(heard.length).toBeGreaterThanOrEqual(5);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ success: false, message: expect.stringMatching(/wrong signature/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // While paused, even the right key is not heard from that address: a guess learns nothing.
    // (Each pause that runs out before the next request doubles: a busy machine gets there too.)
    let rightKey = await getFromAddress(`${internal}${path}`, guesser, signedWith(key));
    for (let round = 0; rightKey.status === 200 && round < 6; round += 1) {
      await getFromAddress(`${internal}${path}`, guesser, signedWith('one-more-guess'));
      rightKey = await getFromAddress(`${internal}${path}`, guesser, signedWith(key));
    }
    expect(rightKey.status).toBe(429);
    // Another address with the key is served at once.
    expect((await getFromAddress(`${internal}${path}`, '127.0.0.4', signedWith(key))).status).toBe(200);
  });

  it('reports every live node in /health', async () => {
    const health = await getJson(`${nodes[0].baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.body.info.cluster).toEqual({ status: 'up', mode: 'redis', node: 'node-a', liveNodes: ['node-a', 'node-b', 'node-c'] });
    expect(sample(await scrapeMetrics(nodes[0].baseUrl), 'nvr_transcoder_cluster_nodes')).toBe(3);
  });

  it('gives 50 parallel creates of one range, spread over the nodes, one session and one ffmpeg in the cluster', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => getJson(`${nodes[i % 3].baseUrl}${rangeUrl(LONG.camera, T0, T0 + 600)}`)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((answer) => answer.body.sessionId)).size).toBe(1);
    expect(await clusterEncoders()).toBe(1);
    const { body } = await getJson(`${nodes[1].baseUrl}/transcode/sessions`);
    expect(body.sessions.filter((s: { sessionId: string }) => s.sessionId === answers[0].body.sessionId)).toHaveLength(1);
  });

  it('serves segments fetched round-robin across the nodes, each one clean', async () => {
    const clusterAnswers = async () => {
      const texts = await Promise.all(nodes.map((node) => scrapeMetrics(node.baseUrl)));
      return texts.reduce((sum, text) => sum + sample(text, 'nvr_transcoder_http_requests_total', 'route="cluster",method="GET",status="200"'), 0);
    };
    const clusterAnswersBefore = await clusterAnswers();
    const created = await getJson(`${nodes[0].baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 60)}`);
    expect(created.status).toBe(200);
    for (let index = 0; index < 12; index += 1) {
      const segment = await fetchSegment(nodes[index % 3], created.body.sessionId, index);
      expect(segment.status).toBe(200);
      expect(await decodeErrors(segment.path)).toBe('');
    }
    // The playlist too, from a node that does not run the session.
    const playlist = await fetch(`${nodes[2].baseUrl}${created.body.playlist}`);
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toContain(segmentName(29));
    // The owner counted, on its internal port, the segments the two other nodes proxied to it (8 of 12).
    await waitFor(async () => (await clusterAnswers()) - clusterAnswersBefore >= 8, 10_000);
  });

  it('gives parallel creates of a 16x rendition on every node one session of that speed, which every node serves', async () => {
    const url = `${rangeUrl(LONG.camera, T0 + 1000, T0 + 1600)}?speed=16`;
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => getJson(`${nodes[i % 3].baseUrl}${url}`)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(15).fill(200));
    const ids = new Set(answers.map((answer) => answer.body.sessionId));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect(await encodersOf(id)).toBe(1);
    expect(answers[0].body.durationSeconds).toBeCloseTo(600 / 16, 0);
    const playlists = await Promise.all(nodes.map(async (node) => (await fetch(`${node.baseUrl}${answers[0].body.playlist}`)).text()));
    expect(new Set(playlists).size).toBe(1);
    expect(playlists[0]).toContain('#EXTINF:2.000,');
    for (let index = 0; index < 3; index += 1) {
      const segment = await fetchSegment(nodes[(index + 1) % 3], id, index);
      expect(segment.status).toBe(200);
      expect((await probeStreams(segment.path)).map((stream) => stream.codec_type)).toEqual(['video']);
    }
  });

  it('keeps the cluster-wide limit under parallel creates on every node, placing sessions where there is room', async () => {
    for (const node of nodes) {
      const { body } = await getJson(`${node.baseUrl}/transcode/sessions`);
      for (const session of body.sessions) await fetch(`${node.baseUrl}/transcode/${session.sessionId}`, { method: 'DELETE' });
    }
    await waitFor(async () => (await clusterEncoders()) === 0, 10_000);
    // 3 nodes × 2 slots = 6 encoders in the cluster; 12 distinct ranges asked for at once, 4 per node.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => getJson(`${nodes[i % 3].baseUrl}${rangeUrl(LONG.camera, T0 + 20 * i, T0 + 20 * i + 600)}`)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(6);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
    expect(await clusterEncoders()).toBe(6);
    for (const node of nodes) expect((await ffmpegProcessesUsing(node.transcodeDir)).length).toBe(2);
  });

  it('places a new session on a node with room when the one asked is full; 429 only when all are', async () => {
    // Every node is full now: the cluster answers 429 from any node.
    const refused = await getJson(`${nodes[0].baseUrl}${rangeUrl(BACK.camera, T0, T0 + 30)}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // Free one slot on node C: node A (full) places the next session there.
    const { body } = await getJson(`${nodes[2].baseUrl}/transcode/sessions`);
    const onC = body.sessions.find((s: { node: string }) => s.node === 'node-c');
    await fetch(`${nodes[2].baseUrl}/transcode/${onC.sessionId}`, { method: 'DELETE' });
    await waitFor(async () => (await ffmpegProcessesUsing(nodes[2].transcodeDir)).length === 1, 10_000);
    // Node C's heartbeat publishes its free slot within a beat.
    await waitFor(async () => (await getJson(`${nodes[0].baseUrl}${rangeUrl(BACK.camera, T0, T0 + 30)}`)).status === 200, 10_000, 500);
    expect((await ffmpegProcessesUsing(nodes[2].transcodeDir)).length).toBe(2);
    expect((await ffmpegProcessesUsing(nodes[0].transcodeDir)).length).toBe(2);
  });

  it('serves the next segment from another node when the owner is killed mid-playback', async () => {
    for (const node of nodes) {
      const { body } = await getJson(`${node.baseUrl}/transcode/sessions`);
      for (const session of body.sessions) await fetch(`${node.baseUrl}/transcode/${session.sessionId}`, { method: 'DELETE' });
    }
    const created = await getJson(`${nodes[0].baseUrl}${rangeUrl(LONG.camera, T0 + 1200, T0 + 1800)}`);
    expect(created.status).toBe(200);
    const ownerName = (await getJson(`${nodes[0].baseUrl}/transcode/sessions`)).body.sessions.find(
      (s: { sessionId: string }) => s.sessionId === created.body.sessionId,
    ).node as string;
    const owner = nodes[['node-a', 'node-b', 'node-c'].indexOf(ownerName)];
    const others = nodes.filter((node) => node !== owner);
    for (let index = 0; index < 4; index += 1) expect((await fetchSegment(others[index % 2], created.body.sessionId, index)).status).toBe(200);
    // The owner dies like a machine does: the process and its ffmpeg, at once.
    const orphans = await ffmpegProcessesUsing(owner.transcodeDir);
    owner.kill('SIGKILL');
    for (const pid of orphans) process.kill(pid, 'SIGKILL');
    await owner.exited;
    for (let index = 4; index < 10; index += 1) {
      const segment = await fetchSegment(others[index % 2], created.body.sessionId, index);
      expect(segment.status).toBe(200);
      expect(await decodeErrors(segment.path)).toBe('');
    }
    // One of the others took it over (and counted it); both proxied to the owner before.
    const metrics = await Promise.all(others.map((node) => scrapeMetrics(node.baseUrl)));
    const count = (name: string) => metrics.reduce((sum, text) => sum + sample(text, name), 0);
    expect(count('nvr_transcoder_sessions_taken_over_total')).toBe(1);
    expect(count('nvr_transcoder_proxied_requests_total')).toBeGreaterThan(0);
    // Replace the dead node so the next test has three.
    nodes[nodes.indexOf(owner)] = await startNode(ownerName, { MAX_CONCURRENT_TRANSCODES: '2' });
  });

  it('hands the sessions of a node stopped with SIGTERM over: the next segment comes from another node', async () => {
    const created = await getJson(`${nodes[2].baseUrl}${rangeUrl(FRONT.camera, T0 + 40, T0 + 100)}`);
    expect(created.status).toBe(200);
    const ownerName = (await getJson(`${nodes[2].baseUrl}/transcode/sessions`)).body.sessions.find(
      (s: { sessionId: string }) => s.sessionId === created.body.sessionId,
    ).node as string;
    const owner = nodes[['node-a', 'node-b', 'node-c'].indexOf(ownerName)];
    const others = nodes.filter((node) => node !== owner);
    expect((await fetchSegment(others[0], created.body.sessionId, 0)).status).toBe(200);
    owner.kill('SIGTERM');
    await owner.exited;
    for (let index = 1; index < 5; index += 1) {
      expect((await fetchSegment(others[index % 2], created.body.sessionId, index)).status).toBe(200);
    }
    nodes[nodes.indexOf(owner)] = await startNode(ownerName, { MAX_CONCURRENT_TRANSCODES: '2' });
  });

  it('loses no playing session when Redis restarts: the nodes register again', async () => {
    const created = await getJson(`${nodes[1].baseUrl}${rangeUrl(FRONT.camera, T0 + 90, T0 + 120)}`);
    expect(created.status).toBe(200);
    expect((await fetchSegment(nodes[0], created.body.sessionId, 0)).status).toBe(200);
    await redis.restart();
    // Within a few heartbeats every node and every playing session is back in the new Redis.
    await waitFor(async () => (await fetchSegment(nodes[2], created.body.sessionId, 1)).status === 200, 15_000, 500);
    for (let index = 2; index < 8; index += 1) {
      expect((await fetchSegment(nodes[index % 3], created.body.sessionId, index)).status).toBe(200);
    }
    // Still one session on one node: no node took it over while Redis was empty.
    expect(await encodersOf(created.body.sessionId)).toBeLessThanOrEqual(1);
    const listed = [];
    for (const node of nodes) listed.push(...(await getJson(`${node.baseUrl}/transcode/sessions`)).body.sessions);
    expect(new Set(listed.filter((s) => s.sessionId === created.body.sessionId).map((s) => s.node)).size).toBe(1);
  });

  /**
   * Session ids are a public hash of camera and times: a user allowed one camera can name any
   * other camera's range. Node D checks the camera of a session node A runs from the registry,
   * before the route: 404 while nobody runs it, 403 once someone does, 503 when it cannot read it,
   * and the same answer during the read-again wait after Redis comes back. (Auth is on for node D
   * only: its check is what is under test; node A just runs the session.)
   */
  describe('with auth on node D: the camera check of a session another node runs', () => {
    const SECRET = 'c4m3r4-ch3ck-'.repeat(6);
    const bearer = (role: string) => ({
      authorization: `Bearer ${sign({ sub: `${role}-user`, role, exp: Math.floor(Date.now() / 1000) + 3600 }, Buffer.from(SECRET), { algorithm: 'HS256' })}`,
    });
    const frontOnly = bearer('front_only');
    const admin = bearer('admin');
    // Camera Y: a range of the long camera nobody has opened, named by its public id.
    const [start, end] = [T0 + 1300, T0 + 1360];
    const id = transcodeSessionId(LONG.camera, start, end);
    const playlistPath = `/stream/transcode/${id}/master.m3u8`;
    const segmentPath = `/stream/transcode/${id}/${segmentName(0)}`;
    let guarded: AppProcess;

    beforeAll(async () => {
      guarded = await startNode('node-d', {
        AUTH_DISABLED: 'false',
        JWT_SECRET: SECRET,
        AUTH_ROLES: JSON.stringify({ front_only: [FRONT.camera] }),
        // A beat every 3 s: after Redis comes back, node D reads a missing record again 3.25 s later.
        NODE_TIMEOUT_SECONDS: '9',
      });
    });

    afterAll(async () => guarded?.cleanup());

    it('answers a one-camera user 404 for another camera’s range nobody runs, then 403 once node A runs it: never a segment or a stream token', async () => {
      for (const path of [playlistPath, segmentPath]) {
        expect(await getJson(`${guarded.baseUrl}${path}`, { headers: frontOnly })).toMatchObject({
          status: 404,
          body: { success: false, message: expect.stringMatching(/No such transcode session/) },
        });
      }
      for (const node of nodes) {
        const { body } = await getJson(`${node.baseUrl}/transcode/sessions`);
        for (const session of body.sessions) await fetch(`${node.baseUrl}/transcode/${session.sessionId}`, { method: 'DELETE' });
      }
      const opened = await getJson(`${nodes[0].baseUrl}${rangeUrl(LONG.camera, start, end)}`, { headers: admin });
      expect(opened).toMatchObject({ status: 200, body: { sessionId: id } });
      expect((await getJson(`${nodes[0].baseUrl}/transcode/sessions`)).body.sessions).toContainEqual(
        expect.objectContaining({ sessionId: id, node: 'node-a' }),
      );
      for (const path of [playlistPath, segmentPath]) {
        const answer = await getJson(`${guarded.baseUrl}${path}`, { headers: frontOnly });
        expect(answer).toMatchObject({ status: 403, body: { success: false, message: `No access to camera '${LONG.camera}'` } });
        expect(JSON.stringify(answer.body)).not.toContain('token=');
      }
      // An admin on node D is served from node A: the 403 was the camera check, not an unreachable session.
      const served = await getJson(`${guarded.baseUrl}${playlistPath}`, { headers: admin });
      expect(served.status).toBe(200);
      expect(served.body).toContain('token=');
    });

    it('answers 503 JSON, not 404, while Redis is down: the session’s camera cannot be read', async () => {
      await redis.stop();
      const answers = await Promise.all([playlistPath, segmentPath].map((path) => getJson(`${guarded.baseUrl}${path}`, { headers: frontOnly })));
      for (const answer of answers) {
        expect(answer).toMatchObject({ status: 503, body: { success: false, message: expect.stringMatching(/cluster registry is unavailable/) } });
        expect(answer.headers.get('retry-after')).toBeTruthy();
      }
    });

    it('reads the registry again after Redis comes back before its owner has written the session back: the user is refused, the admin served, no one told 404', async () => {
      // Node A cannot reconnect (stopped) while Redis comes back empty and node D reconnects.
      nodes[0].kill('SIGSTOP');
      let monitor: Redis | undefined;
      try {
        await redis.restart();
        await waitFor(async () => (await getJson(`${guarded.baseUrl}/health`, { headers: admin })).body.info?.cluster?.liveNodes?.includes('node-d'), 15_000);
        const reads: string[] = [];
        // Every command the nodes send Redis from now on (MONITOR): when node D has looked for the session.
        monitor = await new Redis(redis.url, { lazyConnect: true }).monitor();
        monitor.on('monitor', (_time: string, args: string[]) => void (args.includes(`nvr:session:${id}`) && reads.push(args[0])));
        const answers = Promise.all([
          getJson(`${guarded.baseUrl}${segmentPath}`, { headers: frontOnly }),
          getJson(`${guarded.baseUrl}${playlistPath}`, { headers: frontOnly }),
          getJson(`${guarded.baseUrl}${playlistPath}`, { headers: admin }),
        ]);
        // Node D has looked for the session (and found none) for each request; then node A wakes
        // up, reconnects, and its first beat writes the session back.
        await waitFor(() => reads.length >= 3, 5000, 20);
        nodes[0].kill('SIGCONT');
        const [segment, playlist, adminPlaylist] = await answers;
        expect(segment).toMatchObject({ status: 403, body: { success: false, message: `No access to camera '${LONG.camera}'` } });
        expect(playlist).toMatchObject({ status: 403, body: { success: false, message: `No access to camera '${LONG.camera}'` } });
        expect(adminPlaylist.status).toBe(200);
        expect(adminPlaylist.body).toContain('token=');
      } finally {
        nodes[0].kill('SIGCONT');
        monitor?.disconnect();
      }
    });
  });
});
