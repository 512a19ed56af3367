import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMoov, readMp4Info } from './mp4-header.reader';
import { MAX_MOOV_BYTES, MAX_RECORDING_SECONDS, MAX_SAMPLES_PER_FILE } from './mp4-limits';
import type { UnreadableReason } from './unreadable-recording.error';

// ---- Synthetic MP4 boxes ----------------------------------------------------------------

const u8 = (value: number) => Buffer.from([value]);
function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}
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

/** What an UnreadableRecordingError of `reason` matches. */
const unreadable = (reason: UnreadableReason) => expect.objectContaining({ name: 'UnreadableRecordingError', reason });

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

  it('finds a file still being written unreadable (moov not there yet)', async () => {
    const path = await fileOf(ftyp, mdat(8192));
    await expect(readMp4Info(path)).rejects.toEqual(unreadable('no-moov'));
  });

  it('finds a file cut off by a power loss unreadable: mdat with the size placeholder (0, to the end) its writer left, no moov', async () => {
    const path = await fileOf(ftyp, box('free'), boxToEnd('mdat', Buffer.alloc(8192, 0xab)));
    await expect(readMp4Info(path)).rejects.toEqual(unreadable('no-moov'));
  });

  it('finds a file truncated inside moov unreadable', async () => {
    const whole = Buffer.concat([ftyp, box('moov', mvhdV0(1000, 10_000), trak('vide'), trak('soun'))]);
    const path = await fileOf(whole.subarray(0, whole.length - 40));
    await expect(readMp4Info(path)).rejects.toEqual(unreadable('no-moov'));
  });

  it('finds a file truncated inside an mdat that precedes moov unreadable', async () => {
    const whole = Buffer.concat([ftyp, mdat(200 * 1024), box('moov', mvhdV0(1000, 10_000), trak('vide'))]);
    const path = await fileOf(whole.subarray(0, 100 * 1024));
    await expect(readMp4Info(path)).rejects.toEqual(unreadable('no-moov'));
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'empty'],
    ['a 5-byte file', Buffer.from('hello'), 'no-moov'],
    ['text', Buffer.from('this is not an mp4 file at all, just some text\n'.repeat(20)), 'no-moov'],
    ['0xff bytes', Buffer.alloc(4096, 0xff), 'no-moov'],
    ['a box claiming a size below its header', Buffer.concat([u32(4), fourcc('ftyp'), Buffer.alloc(64)]), 'no-moov'],
    ['a largesize box cut after its type', Buffer.concat([u32(1), fourcc('moov'), Buffer.alloc(4)]), 'no-moov'],
    ['a largesize beyond 2^53', Buffer.concat([u32(1), fourcc('mdat'), u64(2n ** 63n + 5n), Buffer.alloc(64)]), 'no-moov'],
    ['100,000 tiny boxes before any moov', Buffer.concat(Array.from({ length: 100_000 }, () => box('free'))), 'no-moov'],
  ] as const)('finds garbage unreadable: %s', async (_name, bytes, reason) => {
    const path = await fileOf(bytes);
    await expect(readMp4Info(path)).rejects.toEqual(unreadable(reason));
  });

  it('finds a moov larger than any recording has unreadable, before reading it into memory', async () => {
    const path = await fileOf(ftyp, Buffer.concat([u32(MAX_MOOV_BYTES + 16), fourcc('moov')]), Buffer.alloc(MAX_MOOV_BYTES + 8));
    await expect(readMp4Info(path)).rejects.toEqual(unreadable('moov-too-large'));
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

// ---- Sample tables: every count bounded by its box and by MAX_SAMPLES_PER_FILE ---------------

/** A table box: version and flags, `count` (by default the entries'), then the entries. */
function table(type: string, entries: Buffer[], count = entries.length, version = 0): Buffer {
  return fullBox(type, version, u32(count), Buffer.concat(entries));
}
const pairs = (rows: number[][]) => rows.map((row) => Buffer.concat(row.map(u32)));
const stts = (rows: number[][], count?: number) => table('stts', pairs(rows), count);
const stco = (offsets: number[], count?: number) => table('stco', offsets.map(u32), count);
const stsc = (rows: number[][], count?: number) => table('stsc', pairs(rows), count);
/** stsz with one size for every sample. */
const stszFixed = (sampleSize: number, count: number) => fullBox('stsz', 0, u32(sampleSize), u32(count));
const stszEach = (sizes: number[], count = sizes.length) => fullBox('stsz', 0, u32(0), u32(count), ...sizes.map(u32));

/** A video trak (timescale 1000) with the given sample tables and edit list. */
function videoTrak(tables: Buffer[], elst?: Buffer): Buffer {
  const hdlr = fullBox('hdlr', 0, u32(0), fourcc('vide'), Buffer.alloc(12), Buffer.from('video\0'));
  const mdhd = fullBox('mdhd', 0, u32(0), u32(0), u32(1000), u32(0), Buffer.alloc(4));
  // VisualSampleEntry: 24 bytes, width, height, then 50 more (78 before its child boxes).
  const avc1 = box('avc1', Buffer.alloc(24), u16(320), u16(240), Buffer.alloc(50));
  const stbl = box('stbl', fullBox('stsd', 0, u32(1), avc1), ...tables);
  return box('trak', fullBox('tkhd', 0, Buffer.alloc(80)), ...(elst ? [box('edts', elst)] : []), box('mdia', mdhd, hdlr, box('minf', stbl)));
}

/** A moov payload (10 s, timescale 1000) with one video trak. */
const moovWith = (tables: Buffer[], elst?: Buffer) => Buffer.concat([mvhdV0(1000, 10_000), videoTrak(tables, elst)]);

/** Ten frames of 100 ms, all in one chunk at byte 0 of 10-byte samples. */
const tenFrames = () => [stts([[10, 100]]), stszFixed(10, 10), stsc([[1, 10, 1]]), stco([0])];

describe('parseMoov on sample tables', () => {
  it('reads the frame times of well-formed tables', () => {
    const info = parseMoov(moovWith(tenFrames()));
    expect(Array.from(info!.video!.frameTimes!)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((t) => expect.closeTo(t, 9)));
  });

  it('the original finding: one stts entry of 2^32-1 samples (one 4-byte change) is unreadable, not a heap of 4 billion times', () => {
    expect(() => parseMoov(moovWith([stts([[0xffffffff, 100]]), stszFixed(10, 10), stsc([[1, 10, 1]]), stco([0])]))).toThrow(unreadable('too-many-samples'));
  });

  it.each([
    [
      'stts entries whose sum passes the limit',
      [
        stts([
          [MAX_SAMPLES_PER_FILE, 1],
          [1, 1],
        ]),
      ],
      'too-many-samples',
    ],
    ['an stts entry count of 2^32-1', [stts([[10, 100]], 0xffffffff)], 'sample-table'],
    ['an stts shorter than its header', [box('stts', u32(0))], 'sample-table'],
    ['a ctts entry count past its box', [...tenFrames(), table('ctts', pairs([[10, 0]]), 2)], 'sample-table'],
    ['a ctts shorter than its header', [...tenFrames(), box('ctts')], 'sample-table'],
    ['an stsz count past its sizes', [stts([[10, 100]]), stszEach([10, 10], 10), stsc([[1, 10, 1]]), stco([0])], 'sample-table'],
    [
      'an stsz with one size for more samples than the limit',
      [stts([[10, 100]]), stszFixed(10, MAX_SAMPLES_PER_FILE + 1), stsc([[1, 10, 1]]), stco([0])],
      'too-many-samples',
    ],
    ['an stsz shorter than its header', [stts([[10, 100]]), box('stsz', u32(0)), stsc([[1, 10, 1]]), stco([0])], 'sample-table'],
    ['an stsc count past its box', [stts([[10, 100]]), stszFixed(10, 10), stsc([[1, 10, 1]], 1000), stco([0])], 'sample-table'],
    ['an stsc shorter than its header (a RangeError before)', [stts([[10, 100]]), stszFixed(10, 10), box('stsc', u32(0)), stco([0])], 'sample-table'],
    ['an stco count past its box', [stts([[10, 100]]), stszFixed(10, 10), stsc([[1, 10, 1]]), stco([0], 0x40000000)], 'sample-table'],
    ['an stco shorter than its header (a RangeError before)', [stts([[10, 100]]), stszFixed(10, 10), stsc([[1, 10, 1]]), box('stco', u32(0))], 'sample-table'],
    ['a co64 count past its box', [stts([[10, 100]]), stszFixed(10, 10), stsc([[1, 10, 1]]), table('co64', [u64(0)], 2)], 'sample-table'],
    ['an stss count past its box', [...tenFrames(), table('stss', [u32(1)], 5)], 'sample-table'],
  ] as const)('finds %s unreadable', (_what, tables, reason) => {
    expect(() => parseMoov(moovWith([...tables]))).toThrow(unreadable(reason));
  });

  it.each([
    ['an elst count past its box', table('elst', pairs([[10_000, 0, 0x10000]]), 3)],
    ['an elst version 1 count past its box', table('elst', [Buffer.concat([u64(10_000), u64(0), u32(0x10000)])], 2, 1)],
  ])('finds %s unreadable', (_what, elst) => {
    expect(() => parseMoov(moovWith(tenFrames(), elst))).toThrow(unreadable('sample-table'));
  });

  it('counts an sync sample table that repeats its samples once each', () => {
    const stss = table(
      'stss',
      Array.from({ length: 50_000 }, (_, i) => u32(i % 2 === 0 ? 1 : 6)),
    );
    const info = parseMoov(moovWith([...tenFrames(), stss]));
    expect(Array.from(info!.video!.keyframeTimes!)).toEqual([0, expect.closeTo(0.5, 9)]);
  });

  it('bounds an edit list that would present the frames more often than a recording has samples', () => {
    const edits = pairs(Array.from({ length: MAX_SAMPLES_PER_FILE / 10 + 1 }, () => [1000, 0, 0x10000]));
    expect(() => parseMoov(moovWith(tenFrames(), table('elst', edits)))).toThrow(unreadable('too-many-samples'));
  });

  /** The fastest of three runs of `work`, in ms. */
  const fastestOf3 = (work: () => unknown) =>
    Math.min(
      ...[0, 1, 2].map(() => {
        const start = performance.now();
        work();
        return performance.now() - start;
      }),
    );

  // Both were quadratic before (edits × frames; stsc runs that go back over every chunk, runs ×
  // chunks): about a thousand times the time of the same tables without them. Linear now, they
  // cost about what those tables do; the factor of 50 leaves room for a busy machine.
  it('reads 20,000 edits over 100,000 frames in about the time of one edit', () => {
    const frames = 100_000;
    const tables = [stts([[frames, 1]]), stszFixed(1, frames), stsc([[1, frames, 1]]), stco([0])];
    const edits = pairs(Array.from({ length: 20_000 }, (_, i) => [1, 10 * frames + i, 0x10000]));
    const many = moovWith(tables, table('elst', edits));
    const one = moovWith(tables, table('elst', pairs([[frames, 0, 0x10000]])));
    expect(fastestOf3(() => parseMoov(many))).toBeLessThan(50 * fastestOf3(() => parseMoov(one)));
    expect(parseMoov(many)!.video!.frameTimes).toHaveLength(0);
  });

  it('visits each chunk once when stsc runs claim to start before the previous one ended', () => {
    const chunks = 100_000;
    const frames = [stts([[chunks, 100]]), stszFixed(10, chunks)];
    const offsets = stco(Array.from({ length: chunks }, (_, i) => i * 10));
    const goingBack = table('stsc', pairs(Array.from({ length: 20_000 }, (_, i) => [i % 2 === 0 ? 1 : chunks, i === 0 ? 1 : 0, 1])));
    const straight = moovWith([...frames, stsc([[1, 1, 1]]), offsets]);
    const corrupt = moovWith([...frames, goingBack, offsets]);
    expect(fastestOf3(() => parseMoov(corrupt))).toBeLessThan(50 * fastestOf3(() => parseMoov(straight)));
    // The first run gives every chunk but the last its sample; the rest give none.
    expect(parseMoov(corrupt)!.video!.frameTimes).toHaveLength(chunks - 1);
  });

  it('leaves out the frames whose bytes lie past the end of a truncated file', () => {
    expect(parseMoov(moovWith(tenFrames()), 55)!.video!.frameTimes).toHaveLength(5);
  });

  it.each([
    ['an mvhd duration of more than a day', Buffer.concat([mvhdV0(1, MAX_RECORDING_SECONDS + 1), trak('vide')])],
    ['an mehd duration of more than a day', Buffer.concat([mvhdV0(1000, 0), trak('vide'), box('mvex', mehd(1, (MAX_RECORDING_SECONDS + 1) * 1000))])],
  ])('finds %s unreadable', (_what, moov) => {
    expect(() => parseMoov(moov)).toThrow(unreadable('bad-duration'));
  });

  it('skips a child box whose 64-bit size runs past its parent (as ffmpeg does), and an esds cut short', () => {
    const cutEsds = fullBox('esds', 0, Buffer.from([0x03, 0x80, 0x80]));
    const mp4a = box('mp4a', Buffer.alloc(16), u16(1), u16(16), Buffer.alloc(4), u32(16000 << 16), cutEsds);
    const hdlr = fullBox('hdlr', 0, u32(0), fourcc('soun'), Buffer.alloc(12));
    const audio = box('trak', box('mdia', hdlr, box('minf', box('stbl', fullBox('stsd', 0, u32(1), mp4a)))));
    const oversized = Buffer.concat([u32(1), fourcc('trak'), u64(2n ** 62n), Buffer.alloc(16)]);
    const info = parseMoov(Buffer.concat([mvhdV0(1000, 10_000), audio, oversized]));
    expect(info).toMatchObject({ hasVideo: false, hasAudio: true, audio: { sampleRate: 16000, channels: 1 } });
  });
});
