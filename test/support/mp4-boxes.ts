/**
 * The boxes of an MP4 file as a tree walk finds them, each named by its path (`moov/trak[1]/mdia/
 * minf/stbl/stts`: the second trak, the first of every other): what the fuzz tests aim their
 * mutations at, by name, so that a kept case still hits the same table in a fixture made again.
 */

export interface BoxEntry {
  /** `file` for the whole file; else the types from the top, the second and later of a type among their siblings with `[1]`, `[2]`… */
  path: string;
  type: string;
  /** From the start of the file, header included. */
  offset: number;
  size: number;
  headerSize: number;
}

/** Boxes made of boxes, and where their children start in their payload. */
const CONTAINERS: Record<string, number> = {
  moov: 0,
  trak: 0,
  mdia: 0,
  minf: 0,
  stbl: 0,
  edts: 0,
  dinf: 0,
  mvex: 0,
  udta: 0,
  moof: 0,
  traf: 0,
  mfra: 0,
  // A full box with an entry count, then the sample entries.
  stsd: 8,
  dref: 8,
  meta: 4,
  // Sample entries: the fixed fields, then their configuration boxes (avcC, hvcC, esds, btrt...).
  avc1: 78,
  avc3: 78,
  hvc1: 78,
  hev1: 78,
  mp4a: 28,
};

/** Every box of `bytes` (walked as far as their sizes hold), the whole file first. */
export function listBoxes(bytes: Buffer): BoxEntry[] {
  const boxes: BoxEntry[] = [{ path: 'file', type: '', offset: 0, size: bytes.length, headerSize: 0 }];
  const walk = (start: number, end: number, parent: string) => {
    const seen = new Map<string, number>();
    let offset = start;
    while (offset + 8 <= end) {
      let size = bytes.readUInt32BE(offset);
      const type = bytes.toString('latin1', offset + 4, offset + 8);
      let headerSize = 8;
      if (size === 1) {
        if (offset + 16 > end) return;
        size = Number(bytes.readBigUInt64BE(offset + 8));
        headerSize = 16;
      } else if (size === 0) {
        size = end - offset;
      }
      if (size < headerSize || offset + size > end) return;
      const index = seen.get(type) ?? 0;
      seen.set(type, index + 1);
      const path = `${parent}${type}${index ? `[${index}]` : ''}`;
      boxes.push({ path, type, offset, size, headerSize });
      if (type in CONTAINERS) walk(offset + headerSize + CONTAINERS[type], offset + size, `${path}/`);
      offset += size;
    }
  };
  walk(0, bytes.length, '');
  return boxes;
}

/** The box at `path`, or undefined. */
export function findBox(bytes: Buffer, path: string): BoxEntry | undefined {
  return listBoxes(bytes).find((box) => box.path === path);
}
