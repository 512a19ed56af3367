import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H264_CAMERA, ZOO_T0, zooRecordings } from './support/camera-zoo';
import { PacketSum, decodeErrors, packetSums, probeStreams } from './support/ffprobe';
import { RECORDINGS_DIR } from './support/fixtures';
import { TestApp, getJson, rangeUrl, startTestApp } from './support/test-app';
import { downloadSegment, parsePlaylist, segmentName } from './support/media-playlist';

/**
 * Remux of browser-playable H.264, with real ffmpeg on a camera recorded as Frigate records one
 * (29.97 fps, 1.6 s GOP, AAC, cut at keyframes, files named after their start second): the
 * segments carry the recordings' own coded pictures, cut at the recordings' keyframes, and a
 * seek lands exactly on the keyframe the playlist says.
 */
describe('H.264 remux (e2e)', () => {
  let app: TestApp;
  let scratch: string;
  /** Every video packet of the camera's recordings, file after file, with its wall-clock time (file name time + its own). */
  let sourceVideo: (PacketSum & { wallClock: number })[];
  let sourceAudio: Set<string>;

  beforeAll(async () => {
    app = await startTestApp();
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-remux-'));
    sourceVideo = [];
    sourceAudio = new Set();
    for (const file of await zooRecordings(RECORDINGS_DIR, H264_CAMERA.camera)) {
      for (const packet of await packetSums(file.path, 'v')) sourceVideo.push({ ...packet, wallClock: file.startTime + packet.seconds });
      for (const packet of await packetSums(file.path, 'a')) sourceAudio.add(`${packet.size} ${packet.md5}`);
    }
  });

  afterAll(async () => {
    await app?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('copies the coded pictures (same size and checksum), cuts at the keyframes, seeks exactly, and copies the AAC', async () => {
    const created = await getJson(`${app.baseUrl}${rangeUrl(H264_CAMERA.camera, ZOO_T0 + 2.3, ZOO_T0 + 58.9)}`);
    expect(created.status).toBe(200);
    const id: string = created.body.sessionId;
    const playlist = parsePlaylist(await (await fetch(`${app.baseUrl}${created.body.playlist}`)).text());
    expect(playlist.length).toBeGreaterThan(10);
    // A seek first (a run that starts at segment 9), then every segment in order.
    const paths: string[] = [];
    paths[9] = await downloadSegment(app.baseUrl, id, 9, scratch);
    for (let index = 0; index < playlist.length; index += 1) paths[index] ??= await downloadSegment(app.baseUrl, id, index, scratch);

    const video = (await probeStreams(paths[0])).find((stream) => stream.codec_type === 'video')!;
    expect(video).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', width: 320, height: 240 });
    let firstTime = NaN;
    let planned = 0;
    for (const [index, segment] of playlist.entries()) {
      const packets = await packetSums(paths[index], 'v');
      if (index === 0) firstTime = packets[0].seconds;
      // It starts where the playlist says, on the recordings' keyframe at its PROGRAM-DATE-TIME…
      expect(Math.abs(packets[0].seconds - firstTime - planned)).toBeLessThan(0.002);
      const at = sourceVideo.findIndex((packet) => packet.md5 === packets[0].md5);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(sourceVideo[at].wallClock).toBeCloseTo(segment.wallClock, 2);
      // …and holds the recordings' own pictures from there, byte for byte, until the next segment.
      const expected = sourceVideo.slice(at, at + packets.length).map((packet) => `${packet.size} ${packet.md5}`);
      expect(packets.map((packet) => `${packet.size} ${packet.md5}`)).toEqual(expected);
      expect(Math.round((packets.length / 30000) * 1001 * 1000) / 1000).toBeCloseTo(segment.durationSeconds, 1);
      planned += segment.durationSeconds;
    }
    // The AAC packets are the recordings' own (copied, not encoded again).
    const audio = await packetSums(paths[3], 'a');
    expect(audio.length).toBeGreaterThan(10);
    for (const packet of audio) expect(sourceAudio.has(`${packet.size} ${packet.md5}`)).toBe(true);
    // Listed as copied, with no encoder.
    const listed = (await getJson(`${app.baseUrl}/transcode/sessions`)).body.sessions.find((session: { sessionId: string }) => session.sessionId === id);
    expect(listed).toMatchObject({ video: 'copy', videoEncoder: 'copy', speed: 1 });
    // And it all plays as one stream.
    const joined = join(scratch, 'joined.ts');
    for (const path of paths) await appendFile(joined, await readFile(path));
    expect(await decodeErrors(joined)).toBe('');
  });

  it('encodes the same camera when REMUX_H264=false: new pictures, on the segment grid', async () => {
    const encoding = await startTestApp({ REMUX_H264: 'false' });
    try {
      const created = await getJson(`${encoding.baseUrl}${rangeUrl(H264_CAMERA.camera, ZOO_T0 + 2.3, ZOO_T0 + 20)}`);
      expect(created.status).toBe(200);
      const playlist = parsePlaylist(await (await fetch(`${encoding.baseUrl}${created.body.playlist}`)).text());
      // The 1 s first segment of the encoder's grid, which no keyframe of a 1.6 s GOP gives.
      expect(playlist[0].durationSeconds).toBeLessThan(1.1);
      const response = await fetch(`${encoding.baseUrl}/stream/transcode/${created.body.sessionId}/${segmentName(1)}`);
      const path = join(scratch, 'encoded.ts');
      await writeFile(path, Buffer.from(await response.arrayBuffer()));
      const sums = new Set(sourceVideo.map((packet) => packet.md5));
      expect((await packetSums(path, 'v')).filter((packet) => sums.has(packet.md5))).toEqual([]);
    } finally {
      await encoding.close();
    }
  });
});
