import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMp4Info } from './mp4-header.reader';

// ---- Synthetic MP4 boxes ----------------------------------------------------------------

const u8 = (value: number) => Buffer.from([value]);
function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
function u64(value: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(value));
  return b;
}
const fourcc = (type: string) => Buffer.from(type, 'latin1');

/** A box with the usual 32-bit size header. */
function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(8 + body.length), fourcc(type), body]);
}

/** A box with size=1 and a 64-bit largesize after the type. */
function largeBox(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(1), fourcc(type), u64(16 + body.length), body]);
}

/** A box with size=0: it extends to the end of the file. */
function boxToEnd(type: string, ...payload: Buffer[]): Buffer {
  return Buffer.concat([u32(0), fourcc(type), ...payload]);
}

function fullBox(type: string, version: number, ...payload: Buffer[]): Buffer {
  return box(type, u8(version), Buffer.alloc(3), ...payload);
}

/** rate, volume, reserved, matrix, pre_defined, next_track_ID: 80 bytes after the duration. */
const MVHD_TAIL = Buffer.alloc(80);

function mvhdV0(timescale: number, duration: number): Buffer {
  return fullBox('mvhd', 0, u32(0), u32(0), u32(timescale), u32(duration), MVHD_TAIL);
}

function mvhdV1(timescale: number, duration: number | bigint): Buffer {
  return fullBox('mvhd', 1, u64(0), u64(0), u32(timescale), u64(duration), MVHD_TAIL);
}

function trak(handler: 'vide' | 'soun' | 'meta'): Buffer {
  const hdlr = fullBox('hdlr', 0, u32(0), fourcc(handler), Buffer.alloc(12), Buffer.from(`${handler} handler\0`));
  const mdhd = fullBox('mdhd', 0, Buffer.alloc(20));
  return box('trak', fullBox('tkhd', 0, Buffer.alloc(80)), box('mdia', mdhd, hdlr, box('minf')));
}

function mehd(version: 0 | 1, duration: number): Buffer {
  return fullBox('mehd', version, version === 1 ? u64(duration) : u32(duration));
}

const ftyp = box('ftyp', fourcc('isom'), u32(512), fourcc('isomiso2avc1mp41'));
const mdat = (bytes: number) => box('mdat', Buffer.alloc(bytes, 0xab));

// ---- Tests -------------------------------------------------------------------------------

describe('readMp4Info', () => {
  let dir: string;
  let counter = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mp4-header-spec-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fileOf(...parts: Buffer[]): Promise<string> {
    const path = join(dir, `synthetic-${counter++}.mp4`);
    await writeFile(path, Buffer.concat(parts));
    return path;
  }

  it('reads a moov that comes before mdat (faststart)', async () => {
    const path = await fileOf(ftyp, box('moov', mvhdV0(1000, 10_000), trak('vide'), trak('soun')), mdat(4096));
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 10, hasVideo: true, hasAudio: true });
  });

  it('reads a moov that comes after an mdat larger than the first 64 KiB read', async () => {
    const path = await fileOf(ftyp, mdat(300 * 1024), box('moov', mvhdV0(90_000, 90_000 * 5.5), trak('vide')));
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 5.5, hasVideo: true, hasAudio: false });
  });

  it('reads a moov that starts inside the first 64 KiB but ends beyond it', async () => {
    const moov = box('moov', mvhdV0(1000, 7_250), trak('vide'), trak('soun'));
    // The moov header sits 16 bytes before the 64 KiB boundary.
    const padding = 64 * 1024 - 16 - ftyp.length - 8;
    const path = await fileOf(ftyp, mdat(padding), moov);
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 7.25, hasVideo: true, hasAudio: true });
  });

  it('reads a 64-bit duration from mvhd version 1', async () => {
    // 4.5e9 ticks does not fit in 32 bits.
    const path = await fileOf(ftyp, box('moov', mvhdV1(90_000, 4_500_000_000), trak('vide')), mdat(16));
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 50_000, hasVideo: true, hasAudio: false });
  });

  it.each([
    { tracks: ['vide', 'soun'] as const, hasVideo: true, hasAudio: true },
    { tracks: ['soun', 'vide'] as const, hasVideo: true, hasAudio: true },
    { tracks: ['vide'] as const, hasVideo: true, hasAudio: false },
    { tracks: ['soun'] as const, hasVideo: false, hasAudio: true },
    { tracks: ['meta'] as const, hasVideo: false, hasAudio: false },
    { tracks: [] as const, hasVideo: false, hasAudio: false },
  ])('detects tracks $tracks → video $hasVideo, audio $hasAudio', async ({ tracks, hasVideo, hasAudio }) => {
    const path = await fileOf(ftyp, box('moov', mvhdV0(1000, 2_000), ...tracks.map((t) => trak(t))), mdat(16));
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 2, hasVideo, hasAudio });
  });

  it.each([0, 1] as const)('takes the duration of a fragmented MP4 from mvex/mehd version %p', async (version) => {
    const moov = box('moov', mvhdV0(1000, 0), trak('vide'), box('mvex', mehd(version, 12_345), fullBox('trex', 0, Buffer.alloc(20))));
    const path = await fileOf(ftyp, moov, box('moof', Buffer.alloc(32)), mdat(128));
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 12.345, hasVideo: true, hasAudio: false });
  });

  it('prefers the mvhd duration when it is set, even with an mehd', async () => {
    const moov = box('moov', mvhdV0(1000, 4_000), trak('vide'), box('mvex', mehd(0, 9_000)));
    const path = await fileOf(ftyp, moov);
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 4 });
  });

  it('returns null for a fragmented MP4 without mehd (duration unknown)', async () => {
    const path = await fileOf(ftyp, box('moov', mvhdV0(1000, 0), trak('vide'), box('mvex')), box('moof'), mdat(64));
    await expect(readMp4Info(path)).resolves.toBeNull();
  });

  it('reads boxes with a 64-bit largesize header (size=1)', async () => {
    const path = await fileOf(ftyp, largeBox('mdat', Buffer.alloc(100 * 1024)), largeBox('moov', mvhdV0(600, 1_800), trak('soun')));
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 3, hasVideo: false, hasAudio: true });
  });

  it('reads a last box whose size is 0 (it runs to the end of the file)', async () => {
    const path = await fileOf(ftyp, mdat(32), boxToEnd('moov', mvhdV0(1000, 1_500), trak('vide')));
    await expect(readMp4Info(path)).resolves.toMatchObject({ durationSeconds: 1.5, hasVideo: true, hasAudio: false });
  });

  it('returns null for a file still being written (moov not there yet)', async () => {
    const path = await fileOf(ftyp, mdat(8192));
    await expect(readMp4Info(path)).resolves.toBeNull();
  });

  it('returns null for a file truncated inside moov', async () => {
    const whole = Buffer.concat([ftyp, box('moov', mvhdV0(1000, 10_000), trak('vide'), trak('soun'))]);
    const path = await fileOf(whole.subarray(0, whole.length - 40));
    await expect(readMp4Info(path)).resolves.toBeNull();
  });

  it('returns null for a file truncated inside an mdat that precedes moov', async () => {
    const whole = Buffer.concat([ftyp, mdat(200 * 1024), box('moov', mvhdV0(1000, 10_000), trak('vide'))]);
    const path = await fileOf(whole.subarray(0, 100 * 1024));
    await expect(readMp4Info(path)).resolves.toBeNull();
  });

  it.each([
    ['an empty file', Buffer.alloc(0)],
    ['a 5-byte file', Buffer.from('hello')],
    ['text', Buffer.from('this is not an mp4 file at all, just some text\n'.repeat(20))],
    ['0xff bytes', Buffer.alloc(4096, 0xff)],
    ['a box claiming a size below its header', Buffer.concat([u32(4), fourcc('ftyp'), Buffer.alloc(64)])],
    ['a largesize box cut after its type', Buffer.concat([u32(1), fourcc('moov'), Buffer.alloc(4)])],
  ])('returns null for garbage: %s', async (_name, bytes) => {
    const path = await fileOf(bytes);
    await expect(readMp4Info(path)).resolves.toBeNull();
  });

  it('returns null when mvhd has no timescale', async () => {
    const path = await fileOf(ftyp, box('moov', mvhdV0(0, 10_000), trak('vide')));
    await expect(readMp4Info(path)).resolves.toBeNull();
  });

  describe('on a real file written by ffmpeg', () => {
    let realFile: string;

    beforeAll(() => {
      realFile = join(dir, 'real.mp4');
      // prettier-ignore
      execFileSync('ffmpeg', [
        '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
        '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=15',
        '-f', 'lavfi', '-i', 'sine',
        '-t', '3',
        '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error',
        '-c:a', 'aac',
        '-movflags', '+faststart',
        realFile,
      ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    }, 60_000);

    it('reads a duration of about 3 s with video and audio', async () => {
      const info = await readMp4Info(realFile);
      expect(info).not.toBeNull();
      expect(info!.durationSeconds).toBeGreaterThan(2.9);
      expect(info!.durationSeconds).toBeLessThan(3.1);
      expect(info!.hasVideo).toBe(true);
      expect(info!.hasAudio).toBe(true);
    });
  });

  describe('keyframes and H.264 profile, against ffprobe', () => {
    it.each([
      // x264 profile, its profile_idc, keyframe every N frames (15 fps), B-frames
      ['baseline', 66, 20, 0],
      ['high', 100, 45, 2],
    ])('H.264 %s: profile_idc %d, and the keyframe times ffprobe shows (a keyframe every %d frames)', async (profile, idc, gop, bFrames) => {
      const file = join(dir, `h264-${profile}.mp4`);
      // prettier-ignore
      execFileSync('ffmpeg', [
        '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
        '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=15', '-t', '7',
        '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', profile, '-level:v', '3.1',
        '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', String(bFrames),
        file,
      ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
      const probed = execFileSync(
        'ffprobe',
        ['-v', 'error', '-select_streams', 'v', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file],
        {
          encoding: 'utf8',
        },
      );
      const expected = probed
        .split('\n')
        .filter(Boolean)
        .map((line) => Number(line.replace(/,$/, '')));
      const video = (await readMp4Info(file))!.video!;
      expect(video.avc).toEqual({ profile: idc, compatibility: expect.any(Number), level: 31 });
      expect(expected.length).toBe(Math.ceil(105 / gop));
      expect(Array.from(video.keyframeTimes!).map((time) => Math.round(time * 1000))).toEqual(expected.map((time) => Math.round(time * 1000)));
    });
  });
});
