import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { NotMpegTsError, TS_CLOCK_HZ, TS_PACKET_BYTES, TimestampShift, shiftTimestamps } from './mpegts-timestamps';

/** Real MPEG-TS from ffmpeg: 1 s of H.264 and AAC, as a segment of ours is. */
describe('MPEG-TS timestamp shift', () => {
  let dir: string;
  let segment: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nvr-unit-ts-'));
    const path = join(dir, 'in.ts');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000'],
      ...['-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-output_ts_offset', '3600', '-f', 'mpegts', path],
    ]);
    segment = readFileSync(path);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Each packet's stream, PTS and DTS as ffprobe reads them, seconds. */
  function probe(bytes: Buffer): string[] {
    const path = join(dir, `probe-${Math.random()}.ts`);
    writeFileSync(path, bytes);
    const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=stream_index,pts_time,dts_time', '-of', 'csv=p=0', path], {
      encoding: 'utf8',
    });
    // (ffprobe may add side data and blank lines: only the packets' own three fields count.)
    return out
      .split('\n')
      .filter((line) => /^\d+,[\d.]+,[\d.]+/.test(line))
      .map((line) => {
        const [stream, pts, dts] = line.split(',');
        return `${stream},${Number(pts).toFixed(6)},${Number(dts).toFixed(6)}`;
      });
  }

  const shiftedBy = (lines: string[], seconds: number) =>
    lines.map((line) => {
      const [stream, pts, dts] = line.split(',');
      const move = (time: string) => (Number(time) + seconds).toFixed(6);
      return `${stream},${move(pts)},${move(dts)}`;
    });

  it('moves every PTS and DTS of video and audio by the offset, and leaves everything else as it was', () => {
    const before = probe(segment);
    const after = probe(shiftTimestamps(segment, 10 * TS_CLOCK_HZ));
    expect(after).toEqual(shiftedBy(before, 10));
    expect(after.length).toBeGreaterThan(20);
  });

  it('moves back as far (a negative offset), and the same bytes come back when shifted there and back', () => {
    const there = shiftTimestamps(segment, -3000.5 * TS_CLOCK_HZ);
    expect(shiftTimestamps(there, 3000.5 * TS_CLOCK_HZ).equals(segment)).toBe(true);
    expect(there.equals(segment)).toBe(false);
  });

  it('wraps at 2^33 ticks, as the clock does', () => {
    const wrapped = shiftTimestamps(segment, 2 ** 33);
    expect(wrapped.equals(segment)).toBe(true);
  });

  it('changes only timestamp bytes: payloads and continuity are the same', () => {
    const shifted = shiftTimestamps(segment, 12_345);
    let differing = 0;
    for (let i = 0; i < segment.length; i += 1) if (segment[i] !== shifted[i]) differing += 1;
    // At most 5 bytes per PTS or DTS and 5 per PCR, in a few hundred packets.
    expect(differing).toBeGreaterThan(0);
    expect(differing).toBeLessThan((segment.length / TS_PACKET_BYTES) * 15);
  });

  it('shifts a stream in any chunking, and refuses one that ends inside a packet', async () => {
    const chunks = [segment.subarray(0, 100), segment.subarray(100, 1000), segment.subarray(1000)];
    const streamed = await buffer(Readable.from(chunks).pipe(new TimestampShift(90_000)));
    expect(streamed.equals(shiftTimestamps(segment, 90_000))).toBe(true);
    await expect(buffer(Readable.from([segment.subarray(0, 200)]).pipe(new TimestampShift(1)))).rejects.toBeInstanceOf(NotMpegTsError);
  });

  it('refuses bytes that are not MPEG-TS packets', () => {
    expect(() => shiftTimestamps(Buffer.alloc(188, 1), 1)).toThrow(NotMpegTsError);
    expect(() => shiftTimestamps(Buffer.alloc(100), 1)).toThrow(NotMpegTsError);
  });
});
