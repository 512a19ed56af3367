import { open } from 'node:fs/promises';
import { Mp4Track, childBoxes, parseBoxHeader, parseTrack } from './mp4-track.parser';

/** What the MP4 header says about a file. */
export interface Mp4Info {
  durationSeconds: number;
  hasVideo: boolean;
  hasAudio: boolean;
  /** The first video and audio tracks (what ffmpeg maps), with their formats and frame times. */
  video?: Mp4Track;
  audio?: Mp4Track;
}

/** The moov box of a camera recording is a few KiB; anything far larger is not a recording. */
const MAX_MOOV_BYTES = 32 * 1024 * 1024;
const FIRST_READ_BYTES = 64 * 1024;

/**
 * Reads duration and track kinds from an MP4's `moov` box, in-process: one or two reads per
 * file instead of spawning ffprobe (which costs ~30 ms a file, over a minute for 6 hours).
 * Returns null when the file has no readable header (truncated, not MP4, still being written).
 */
export async function readMp4Info(path: string): Promise<Mp4Info | null> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(FIRST_READ_BYTES, size));
    await file.read(head, 0, head.length, 0);
    let offset = 0;
    while (offset + 8 <= size) {
      const header = offset + 16 <= head.length ? head.subarray(offset, offset + 16) : await readAt(file, offset, 16, size);
      const box = parseBoxHeader(header, size - offset);
      if (!box) return null;
      if (box.type === 'moov') {
        if (box.size > MAX_MOOV_BYTES) return null;
        const moov =
          offset + box.size <= head.length
            ? head.subarray(offset + box.headerSize, offset + box.size)
            : (await readAt(file, offset, box.size, size)).subarray(box.headerSize);
        return parseMoov(moov, size);
      }
      offset += box.size;
    }
    return null;
  } finally {
    await file.close();
  }
}

async function readAt(file: Awaited<ReturnType<typeof open>>, offset: number, length: number, size: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
  await file.read(buffer, 0, buffer.length, offset);
  return buffer;
}

/** Pure: the file's duration and tracks from its `moov` payload (`fileSize` bounds its samples). */
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
      // mvhd comes before the tracks in every file ffmpeg or a camera writes.
      const track = parseTrack(box.body, timescale, fileSize);
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
