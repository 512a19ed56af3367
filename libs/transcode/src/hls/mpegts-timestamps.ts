import { Transform, TransformCallback } from 'node:stream';

/** MPEG-TS packets are 188 bytes, each starting with this sync byte. */
export const TS_PACKET_BYTES = 188;
const SYNC_BYTE = 0x47;
/** PTS, DTS and the PCR base count a 90 kHz clock in 33 bits. */
export const TS_CLOCK_HZ = 90_000;
const WRAP = 2 ** 33;

/** A timestamp shift that cannot be applied: the bytes are not MPEG-TS packets. */
export class NotMpegTsError extends Error {
  override readonly name = 'NotMpegTsError';
}

/**
 * Pure: a copy of whole MPEG-TS packets with every PTS and DTS (in PES headers) and every PCR
 * (in adaptation fields) moved by `offsetTicks` of the 90 kHz clock, modulo 2^33. Nothing else
 * changes: the same packets, payloads and continuity counters. Segments of different hours'
 * timelines (whose timestamps jump) become one line this way, where one stream must be made of
 * them (an MP4 export).
 */
export function shiftTimestamps(packets: Buffer, offsetTicks: number): Buffer {
  if (packets.length % TS_PACKET_BYTES !== 0) throw new NotMpegTsError(`${packets.length} bytes are not whole ${TS_PACKET_BYTES}-byte packets`);
  const out = Buffer.from(packets);
  const offset = ((Math.round(offsetTicks) % WRAP) + WRAP) % WRAP;
  if (offset === 0) return out;
  for (let at = 0; at < out.length; at += TS_PACKET_BYTES) shiftPacket(out, at, offset);
  return out;
}

function shiftPacket(buffer: Buffer, at: number, offset: number): void {
  if (buffer[at] !== SYNC_BYTE) throw new NotMpegTsError(`no sync byte at ${at}`);
  const payloadUnitStart = (buffer[at + 1] & 0x40) !== 0;
  const adaptationControl = (buffer[at + 3] >> 4) & 0x03;
  let payload = at + 4;
  if (adaptationControl === 2 || adaptationControl === 3) {
    const length = buffer[at + 4];
    // PCR: flags byte, then the 33-bit base in the first 33 bits of 6 bytes.
    if (length >= 7 && (buffer[at + 5] & 0x10) !== 0) writePcrBase(buffer, at + 6, (readPcrBase(buffer, at + 6) + offset) % WRAP);
    payload = at + 5 + length;
  }
  const end = at + TS_PACKET_BYTES;
  if (!payloadUnitStart || (adaptationControl !== 1 && adaptationControl !== 3) || payload + 14 > end) return;
  // A PES packet starts here (start code 00 00 01); PSI sections (PAT, PMT) never do.
  if (buffer[payload] !== 0 || buffer[payload + 1] !== 0 || buffer[payload + 2] !== 1) return;
  const streamId = buffer[payload + 3];
  if (!hasOptionalHeader(streamId)) return;
  const flags = buffer[payload + 7] >> 6;
  if (flags === 2 || flags === 3) shiftTimestamp(buffer, payload + 9, offset);
  if (flags === 3 && payload + 19 <= end) shiftTimestamp(buffer, payload + 14, offset);
}

/** Streams whose PES packets carry the optional header with PTS/DTS (not padding, private 2, ECM, EMM, DSM-CC, …). */
function hasOptionalHeader(streamId: number): boolean {
  return ![0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff].includes(streamId);
}

/** A 33-bit timestamp in its 5 bytes (4-bit prefix, 3 + 15 + 15 bits between marker bits), moved in place. */
function shiftTimestamp(buffer: Buffer, at: number, offset: number): void {
  const value =
    ((buffer[at] >> 1) & 0x07) * 2 ** 30 +
    buffer[at + 1] * 2 ** 22 +
    ((buffer[at + 2] >> 1) & 0x7f) * 2 ** 15 +
    buffer[at + 3] * 2 ** 7 +
    ((buffer[at + 4] >> 1) & 0x7f);
  const shifted = (value + offset) % WRAP;
  buffer[at] = (buffer[at] & 0xf0) | (Math.floor(shifted / 2 ** 30) << 1) | 0x01;
  buffer[at + 1] = Math.floor(shifted / 2 ** 22) & 0xff;
  buffer[at + 2] = ((Math.floor(shifted / 2 ** 15) & 0x7f) << 1) | 0x01;
  buffer[at + 3] = Math.floor(shifted / 2 ** 7) & 0xff;
  buffer[at + 4] = ((shifted & 0x7f) << 1) | 0x01;
}

function readPcrBase(buffer: Buffer, at: number): number {
  return buffer.readUInt32BE(at) * 2 + (buffer[at + 4] >> 7);
}

function writePcrBase(buffer: Buffer, at: number, base: number): void {
  buffer.writeUInt32BE(Math.floor(base / 2), at);
  buffer[at + 4] = (buffer[at + 4] & 0x7f) | ((base % 2) << 7);
}

/**
 * A stream of MPEG-TS bytes (any chunking) with every timestamp moved by `offsetTicks`: whole
 * packets go on as they come; a stream that ends inside a packet is not MPEG-TS and fails.
 */
export class TimestampShift extends Transform {
  private rest = Buffer.alloc(0);

  constructor(private readonly offsetTicks: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      const bytes = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
      const whole = bytes.length - (bytes.length % TS_PACKET_BYTES);
      this.rest = Buffer.from(bytes.subarray(whole));
      done(null, whole > 0 ? shiftTimestamps(bytes.subarray(0, whole), this.offsetTicks) : undefined);
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    done(this.rest.length ? new NotMpegTsError(`the stream ends ${this.rest.length} bytes into a packet`) : null);
  }
}
