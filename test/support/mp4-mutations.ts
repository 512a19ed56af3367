/**
 * Mutations of real recordings, for the fuzz tests: overwrite a word with an interesting value,
 * add to it, flip a bit, swap two boxes' sizes or types, give a box another type, or cut the
 * file. Each names its box by path (mp4-boxes.ts) and an offset inside it, so a case is plain
 * JSON that still means the same bytes in a fixture made again.
 */
import fc from 'fast-check';
import { BoxEntry } from './mp4-boxes';

export type Mutation =
  /** Overwrite `width` bytes at `at` (big-endian) with `value` (hex: 64-bit values do not fit JSON numbers). */
  | { op: 'set'; box: string; at: number; width: 1 | 2 | 4 | 8; value: string }
  /** Add `delta` to the 32-bit word at `at` (sizes and counts a little off). */
  | { op: 'add'; box: string; at: number; delta: number }
  | { op: 'flip'; box: string; at: number; bit: number }
  | { op: 'swap-size'; box: string; other: string }
  | { op: 'swap-type'; box: string; other: string }
  | { op: 'retype'; box: string; type: string }
  /** Cut the file at `at` bytes into the box. */
  | { op: 'truncate'; box: string; at: number };

const INTERESTING_32 = [
  0, 1, 2, 7, 8, 9, 12, 15, 16, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe,
  0xffffffff,
];
const INTERESTING_64 = [0n, 1n, 8n, 16n, 2n ** 32n, 2n ** 32n + 8n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
/** Types the readers look for: a box given one of them is read as that box. */
const TYPES = [
  'moov',
  'trak',
  'mdia',
  'minf',
  'stbl',
  'mvhd',
  'mdhd',
  'hdlr',
  'stsd',
  'stts',
  'ctts',
  'stsz',
  'stsc',
  'stco',
  'co64',
  'stss',
  'edts',
  'elst',
  'mvex',
  'mehd',
  'esds',
  'avcC',
  'mdat',
  'free',
];

/** Applies `mutations` to a copy of `base` (whose boxes are `boxes`); a mutation whose box or offset is not there is skipped. */
export function applyMutations(base: Buffer, boxes: readonly BoxEntry[], mutations: readonly Mutation[]): Buffer {
  const byPath = new Map(boxes.map((box) => [box.path, box]));
  let bytes = Buffer.from(base);
  for (const mutation of mutations) {
    const box = byPath.get(mutation.box);
    if (!box) continue;
    const fits = (at: number, width: number) => at >= 0 && at + width <= box.size && box.offset + at + width <= bytes.length;
    switch (mutation.op) {
      case 'set':
        if (!fits(mutation.at, mutation.width)) break;
        writeWord(bytes, box.offset + mutation.at, mutation.width, BigInt(mutation.value));
        break;
      case 'add':
        if (!fits(mutation.at, 4)) break;
        bytes.writeUInt32BE((bytes.readUInt32BE(box.offset + mutation.at) + mutation.delta) >>> 0, box.offset + mutation.at);
        break;
      case 'flip':
        if (!fits(mutation.at, 1)) break;
        bytes[box.offset + mutation.at] ^= 1 << mutation.bit;
        break;
      case 'swap-size':
      case 'swap-type': {
        const other = byPath.get(mutation.other);
        const at = mutation.op === 'swap-size' ? 0 : 4;
        if (!other || !fits(at, 4) || other.offset + at + 4 > bytes.length || box.path === 'file' || other.path === 'file') break;
        const mine = bytes.readUInt32BE(box.offset + at);
        bytes.writeUInt32BE(bytes.readUInt32BE(other.offset + at), box.offset + at);
        bytes.writeUInt32BE(mine, other.offset + at);
        break;
      }
      case 'retype':
        if (!fits(4, 4) || box.path === 'file') break;
        bytes.write(mutation.type, box.offset + 4, 4, 'latin1');
        break;
      case 'truncate':
        if (mutation.at < 0 || box.offset + mutation.at > bytes.length) break;
        bytes = bytes.subarray(0, box.offset + mutation.at);
        break;
    }
  }
  return bytes;
}

function writeWord(bytes: Buffer, at: number, width: 1 | 2 | 4 | 8, value: bigint): void {
  const masked = BigInt.asUintN(width * 8, value);
  if (width === 8) bytes.writeBigUInt64BE(masked, at);
  else bytes.writeUIntBE(Number(masked), at, width);
}

const hex = (value: number | bigint) => `0x${value.toString(16)}`;

/**
 * Mutations of a file whose boxes are `boxes`: mostly aimed at the boxes inside moov (what the
 * readers read), at their first words (sizes, versions, counts, first entries) more than elsewhere.
 */
export function mutationArbitrary(boxes: readonly BoxEntry[]): fc.Arbitrary<Mutation> {
  const inMoov = boxes.filter((box) => box.path.startsWith('moov'));
  const target = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(inMoov.length ? inMoov : boxes)) }, { weight: 1, arbitrary: fc.constantFrom(...boxes) });
  const offsetIn = (box: BoxEntry) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.nat({ max: Math.max(0, Math.min(15, Math.floor(box.size / 4) - 1)) }).map((word) => word * 4) },
      { weight: 1, arbitrary: fc.nat({ max: Math.max(0, box.size - 1) }) },
    );
  const value = fc.oneof(
    fc.record({ width: fc.constant(4 as const), value: fc.oneof(fc.constantFrom(...INTERESTING_32), fc.nat({ max: 0xffffffff })).map(hex) }),
    fc.record({ width: fc.constant(8 as const), value: fc.constantFrom(...INTERESTING_64).map(hex) }),
    fc.record({ width: fc.constantFrom(1 as const, 2 as const), value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0xffff).map(hex) }),
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: target.chain((box) =>
        fc.record({ op: fc.constant('set' as const), box: fc.constant(box.path), at: offsetIn(box) }).chain((m) => value.map((v) => ({ ...m, ...v }))),
      ),
    },
    {
      weight: 2,
      arbitrary: target.chain((box) =>
        fc.record({
          op: fc.constant('add' as const),
          box: fc.constant(box.path),
          at: offsetIn(box),
          delta: fc.constantFrom(-16, -8, -4, -1, 1, 4, 8, 16, 0x10000),
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: target.chain((box) => fc.record({ op: fc.constant('flip' as const), box: fc.constant(box.path), at: offsetIn(box), bit: fc.nat({ max: 7 }) })),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('swap-size' as const), box: target.map((b) => b.path), other: target.map((b) => b.path) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('swap-type' as const), box: target.map((b) => b.path), other: target.map((b) => b.path) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('retype' as const), box: target.map((b) => b.path), type: fc.constantFrom(...TYPES) }) },
    {
      weight: 1,
      arbitrary: target.chain((box) => fc.record({ op: fc.constant('truncate' as const), box: fc.constant(box.path), at: fc.nat({ max: box.size }) })),
    },
  );
}

/** One to four mutations, or a file cut anywhere (a recording truncated as a power loss leaves it). */
export function mutationsArbitrary(boxes: readonly BoxEntry[]): fc.Arbitrary<Mutation[]> {
  const file = boxes[0];
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(mutationArbitrary(boxes), { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.nat({ max: file.size }).map((at) => [{ op: 'truncate' as const, box: 'file', at }]) },
  );
}
