import { Semaphore } from 'async-mutex';
import { open } from 'node:fs/promises';
import { MAX_MOOV_BYTES, MAX_RECORDING_SECONDS, MAX_TOP_LEVEL_BOXES } from './mp4-limits';
import { Mp4Track, childBoxes, parseBoxHeader, parseTrack } from './mp4-track.parser';
import { UnreadableRecordingError } from './unreadable-recording.error';

/** What the MP4 header says about a file. */
export interface Mp4Info {
  durationSeconds: number;
  hasVideo: boolean;
  hasAudio: boolean;
  /** The first video and audio tracks (what ffmpeg maps), with their formats and frame times. */
  video?: Mp4Track;
  audio?: Mp4Track;
}

/** Where a header is read from: a file, or bytes in memory (the fuzz tests). */
export interface Mp4ByteSource {
  size: number;
  /** Up to `length` bytes at `offset` (fewer at the end of the source). */
  read(offset: number, length: number): Promise<Buffer>;
}

const FIRST_READ_BYTES = 64 * 1024;
/**
 * Large moov boxes (past the first read) held in memory at once, in MiB, across every read in
 * the process: the header index reads 32 files at a time, and 32 corrupt files of MAX_MOOV_BYTES
 * each would otherwise hold 256 MiB.
 */
const LARGE_MOOV_MIB_IN_FLIGHT = 16;
const MIB = 1024 * 1024;
const largeMoovReads = new Semaphore(LARGE_MOOV_MIB_IN_FLIGHT);

/**
 * Reads duration and track kinds from an MP4's `moov` box, in-process: one or two reads per
 * file instead of spawning ffprobe (which costs ~30 ms a file, over a minute for 6 hours).
 * Returns null when the header gives no duration (fragmented MP4 without mehd: ffprobe's job).
 * Throws UnreadableRecordingError when the file cannot be read as a recording (empty, no moov:
 * cut short, still being written or not an MP4; corrupt tables), and the file system's own
 * error when it cannot be opened (ENOENT: it is gone).
 */
export async function readMp4Info(path: string): Promise<Mp4Info | null> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return await readMp4InfoFrom({
      size,
      read: async (offset, length) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      },
    });
  } finally {
    await file.close();
  }
}

/** readMp4Info over any source of bytes. */
export async function readMp4InfoFrom(source: Mp4ByteSource): Promise<Mp4Info | null> {
  const { size } = source;
  if (size === 0) throw new UnreadableRecordingError('empty', 'the file is empty (0 bytes)');
  const head = await source.read(0, Math.min(FIRST_READ_BYTES, size));
  let offset = 0;
  for (let boxes = 0; offset + 8 <= size; boxes += 1) {
    if (boxes === MAX_TOP_LEVEL_BOXES) throw new UnreadableRecordingError('no-moov', `no moov box among its first ${MAX_TOP_LEVEL_BOXES} boxes`);
    const header = offset + 16 <= head.length ? head.subarray(offset, offset + 16) : await source.read(offset, 16);
    const box = parseBoxHeader(header, size - offset);
    if (!box) {
      throw new UnreadableRecordingError(
        'no-moov',
        `the box at byte ${offset} is malformed or runs past the end of the file (${size} bytes), and no moov box came before it: cut short, still being written, or not an MP4`,
      );
    }
    if (box.type === 'moov') {
      if (box.size > MAX_MOOV_BYTES)
        throw new UnreadableRecordingError('moov-too-large', `its moov box is ${box.size} bytes, more than the ${MAX_MOOV_BYTES} a recording's may be`);
      if (offset + box.size <= head.length) return parseMoov(head.subarray(offset + box.headerSize, offset + box.size), size);
      return largeMoovReads.runExclusive(
        async () => {
          const moov = await source.read(offset, box.size);
          if (moov.length < box.size) throw new UnreadableRecordingError('no-moov', `its moov box ends past the end of the file (it shrank while being read)`);
          return parseMoov(moov.subarray(box.headerSize), size);
        },
        Math.max(1, Math.ceil(box.size / MIB)),
      );
    }
    offset += box.size;
  }
  throw new UnreadableRecordingError(
    'no-moov',
    `it has no moov box (${size} bytes): cut short before its header was written (power loss), still being written, or not an MP4`,
  );
}

/**
 * Pure: the file's duration and tracks from its `moov` payload (`fileSize` bounds its samples).
 * Null when it gives no duration; throws UnreadableRecordingError when its tables or its
 * duration break their bounds.
 */
export function parseMoov(moov: Buffer, fileSize = Infinity): Mp4Info | null {
  let durationSeconds: number | null = null;
  let fragmentDurationSeconds: number | null = null;
  let timescale = 0;
  let video: Mp4Track | undefined;
  let audio: Mp4Track | undefined;
  for (const box of childBoxes(moov)) {
    if (box.type === 'mvhd') {
      const parsed = parseMvhd(box.body);
      if (parsed) {
        timescale = parsed.timescale;
        durationSeconds = parsed.duration / parsed.timescale;
      }
    } else if (box.type === 'trak') {
      // mvhd comes before the tracks in every file ffmpeg or a camera writes. Only the first
      // video track's frames are read: it is the one ffmpeg maps.
      const track = parseTrack(box.body, timescale, fileSize, { frames: !video });
      if (track?.kind === 'video' && !video) video = track;
      if (track?.kind === 'audio' && !audio) audio = track;
    } else if (box.type === 'mvex') {
      // Fragmented MP4: mvhd's duration is usually 0 and mehd holds the real one.
      for (const inner of childBoxes(box.body)) {
        if (inner.type === 'mehd' && inner.body.length >= 8 && timescale > 0) {
          const version = inner.body.readUInt8(0);
          const value = version === 1 && inner.body.length >= 12 ? Number(inner.body.readBigUInt64BE(4)) : inner.body.readUInt32BE(4);
          fragmentDurationSeconds = value / timescale;
        }
      }
    }
  }
  const duration = durationSeconds && durationSeconds > 0 ? durationSeconds : fragmentDurationSeconds;
  if (!duration || !Number.isFinite(duration) || duration <= 0) return null;
  if (duration > MAX_RECORDING_SECONDS) {
    throw new UnreadableRecordingError(
      'bad-duration',
      `its header says it lasts ${Math.round(duration)} s, more than the ${MAX_RECORDING_SECONDS} s a recording may`,
    );
  }
  return {
    durationSeconds: duration,
    hasVideo: !!video,
    hasAudio: !!audio,
    ...(video ? { video } : {}),
    ...(audio ? { audio } : {}),
  };
}

function parseMvhd(body: Buffer): { timescale: number; duration: number } | null {
  if (body.length < 1) return null;
  const version = body.readUInt8(0);
  if (version === 1) {
    if (body.length < 32) return null;
    return { timescale: body.readUInt32BE(20), duration: Number(body.readBigUInt64BE(24)) };
  }
  if (body.length < 20) return null;
  const timescale = body.readUInt32BE(12);
  return timescale > 0 ? { timescale, duration: body.readUInt32BE(16) } : null;
}
