/**
 * Pure: what one `trak` box of an MP4 says about its track: the codec, the picture or sound
 * format, and (for video) the time of every frame as ffmpeg's MP4 demuxer presents it. The
 * segment plan is built on those frame times, so its boundaries are frames that exist.
 *
 * The bytes are a file's: any count, size or offset in them may be wrong (power loss, a failing
 * disk, a recorder killed mid-write). Every one is checked against the box that holds it and
 * against MAX_SAMPLES_PER_FILE before it sizes a loop or an allocation, and a file that breaks
 * them throws UnreadableRecordingError: never another exception, never more than a few MB.
 */
import { MAX_SAMPLES_PER_FILE } from './mp4-limits';
import { UnreadableRecordingError } from './unreadable-recording.error';

/** A track's media as read from its sample description and sample tables. */
export interface Mp4Track {
  kind: 'video' | 'audio' | 'other';
  /** Sample entry four-character code: hvc1, hev1, avc1, avc3, mp4a, … */
  codecTag: string;
  /** Video: coded picture size from the sample entry. */
  width?: number;
  height?: number;
  /** Audio: sample rate and channel count from the sample entry (AAC's own config may say more). */
  sampleRate?: number;
  channels?: number;
  /**
   * Video: presentation times of the frames ffmpeg outputs, seconds from the start of the file,
   * ascending. Frames cut off by the edit list, or whose bytes lie past the end of the file (a
   * truncated recording), are left out.
   */
  frameTimes?: Float64Array;
  /**
   * Video: presentation times of its keyframes (sync samples, `stss`; every frame when the table
   * is absent), as `frameTimes`. A remux cuts only there; a fast rendition may decode only them.
   */
  keyframeTimes?: Float64Array;
  /** H.264 (avc1/avc3): profile_idc and level_idc from its `avcC` (what decides whether browsers play it as it is). */
  avc?: { profile: number; compatibility: number; level: number };
}

export interface Mp4Box {
  type: string;
  body: Buffer;
}

export interface Mp4BoxHeader {
  type: string;
  /** Whole box, header included. */
  size: number;
  headerSize: number;
}

/**
 * Pure: the header of the box at the start of `buffer` (size 1 = 64-bit size follows, size 0 =
 * to the end), or null when it is malformed or reaches past the `remaining` bytes.
 */
export function parseBoxHeader(buffer: Buffer, remaining: number): Mp4BoxHeader | null {
  if (buffer.length < 8) return null;
  const size32 = buffer.readUInt32BE(0);
  const type = buffer.toString('latin1', 4, 8);
  let size = size32;
  let headerSize = 8;
  if (size32 === 1) {
    if (buffer.length < 16) return null;
    size = Number(buffer.readBigUInt64BE(8));
    headerSize = 16;
  } else if (size32 === 0) {
    size = remaining;
  }
  if (size < headerSize || size > remaining) return null;
  return { type, size, headerSize };
}

/** The boxes inside a box's payload (a malformed size ends the list). */
export function* childBoxes(payload: Buffer): Generator<Mp4Box> {
  let offset = 0;
  while (offset + 8 <= payload.length) {
    const box = parseBoxHeader(payload.subarray(offset), payload.length - offset);
    if (!box) return;
    yield { type: box.type, body: payload.subarray(offset + box.headerSize, offset + box.size) };
    offset += box.size;
  }
}

function child(payload: Buffer, type: string): Buffer | null {
  for (const box of childBoxes(payload)) if (box.type === type) return box.body;
  return null;
}

/** One edit of an `elst`: `mediaTime` -1 is an empty edit (a delay before the media starts). */
interface Edit {
  /** In the movie timescale. */
  segmentDuration: number;
  /** In the media timescale. */
  mediaTime: number;
}

/**
 * Pure: reads a `trak`. `movieTimescale` is mvhd's (edit durations use it); `fileSize` bounds
 * the samples that really are in the file. `frames: false` skips the frame tables (a track
 * ffmpeg does not map needs none). Throws UnreadableRecordingError on tables that break their bounds.
 */
export function parseTrack(trak: Buffer, movieTimescale: number, fileSize: number, { frames = true }: { frames?: boolean } = {}): Mp4Track | null {
  const mdia = child(trak, 'mdia');
  if (!mdia) return null;
  const handler = child(mdia, 'hdlr');
  const handlerType = handler && handler.length >= 12 ? handler.toString('latin1', 8, 12) : '';
  const kind = handlerType === 'vide' ? 'video' : handlerType === 'soun' ? 'audio' : 'other';
  const stbl = child(child(mdia, 'minf') ?? Buffer.alloc(0), 'stbl');
  const entry = stbl ? sampleEntry(stbl) : null;
  const track: Mp4Track = { kind, codecTag: entry?.type ?? '' };
  if (!stbl || !entry) return track;
  if (kind === 'video' && entry.body.length >= 28) {
    // VisualSampleEntry: 6 reserved + 2 data ref index + 16 pre-defined/reserved, then width, height.
    track.width = entry.body.readUInt16BE(24);
    track.height = entry.body.readUInt16BE(26);
    const mediaTimescale = mediaTimescaleOf(mdia);
    if (frames && mediaTimescale > 0) {
      const edits = parseEditList(child(child(trak, 'edts') ?? Buffer.alloc(0), 'elst'));
      const presented = presentedFrameTimes(stbl, mediaTimescale, movieTimescale, edits, fileSize);
      track.frameTimes = presented.frameTimes;
      track.keyframeTimes = presented.keyframeTimes;
    }
    const avcC = entry.type === 'avc1' || entry.type === 'avc3' ? child(entry.body.subarray(78), 'avcC') : null;
    // AVCDecoderConfigurationRecord: version, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
    if (avcC && avcC.length >= 4) track.avc = { profile: avcC[1], compatibility: avcC[2], level: avcC[3] };
  } else if (kind === 'audio' && entry.body.length >= 28) {
    // AudioSampleEntry: 8 bytes as above + 8 reserved, then channels, sample size, 4 more, rate (16.16).
    track.channels = entry.body.readUInt16BE(16);
    track.sampleRate = entry.body.readUInt32BE(24) >>> 16;
    // AAC's own config is what decoders follow (cameras' sample entries often say 2 channels for mono).
    const esds = entry.type === 'mp4a' ? child(entry.body.subarray(28), 'esds') : null;
    const config = esds ? aacConfig(esds) : null;
    if (config?.sampleRate) track.sampleRate = config.sampleRate;
    if (config?.channels) track.channels = config.channels;
  }
  return track;
}

const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/**
 * Pure: sample rate and channel count from an `esds` box's AudioSpecificConfig, when it has one.
 * Every read is at an index checked against the box (a missing byte reads as absent, never past it).
 */
function aacConfig(esds: Buffer): { sampleRate?: number; channels?: number } | null {
  let at = 4;
  // Descriptors: tag, then a length of 1-4 bytes (7 bits each, high bit = more follows).
  const descriptor = (): { tag: number; end: number } | null => {
    if (at >= esds.length) return null;
    const tag = esds[at++];
    let length = 0;
    for (let i = 0; i < 4 && at < esds.length; i += 1) {
      const byte = esds[at++];
      length = (length << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    return { tag, end: Math.min(esds.length, at + length) };
  };
  const es = descriptor();
  if (!es || es.tag !== 0x03) return null;
  const flags = esds[at + 2] ?? 0;
  at += 3;
  if (flags & 0x80) at += 2;
  if (flags & 0x40) at += 1 + (esds[at] ?? 0);
  if (flags & 0x20) at += 2;
  const decoderConfig = descriptor();
  if (!decoderConfig || decoderConfig.tag !== 0x04) return null;
  at += 13;
  const specific = descriptor();
  if (!specific || specific.tag !== 0x05 || specific.end - at < 2) return null;
  const bits = esds.readUInt16BE(at);
  const frequencyIndex = (bits >> 7) & 0x0f;
  const channels = (bits >> 3) & 0x0f;
  return {
    ...(frequencyIndex < AAC_SAMPLE_RATES.length ? { sampleRate: AAC_SAMPLE_RATES[frequencyIndex] } : {}),
    ...(channels > 0 && channels < 8 ? { channels } : {}),
  };
}

function sampleEntry(stbl: Buffer): Mp4Box | null {
  const stsd = child(stbl, 'stsd');
  if (!stsd || stsd.length < 8 || stsd.readUInt32BE(4) < 1) return null;
  for (const box of childBoxes(stsd.subarray(8))) return box;
  return null;
}

function mediaTimescaleOf(mdia: Buffer): number {
  const mdhd = child(mdia, 'mdhd');
  if (!mdhd || mdhd.length < 24) return 0;
  return mdhd.readUInt8(0) === 1 ? mdhd.readUInt32BE(20) : mdhd.readUInt32BE(12);
}

/**
 * Pure: the entry count of a table box (version and flags, then the count at `countAt`),
 * checked against the entries of `entryBytes` its bytes can hold: a count that does not fit is
 * a corrupt table, and the file is unreadable.
 */
function entryCount(table: Buffer, type: string, countAt: number, entryBytes: number): number {
  const headerBytes = countAt + 4;
  if (table.length < headerBytes) throw new UnreadableRecordingError('sample-table', `its ${type} box is ${table.length} bytes, shorter than its header`);
  const count = table.readUInt32BE(countAt);
  const room = Math.floor((table.length - headerBytes) / entryBytes);
  if (count > room) {
    throw new UnreadableRecordingError('sample-table', `its ${type} box says ${count} entries, but its ${table.length - headerBytes} bytes hold ${room}`);
  }
  return count;
}

function tooManySamples(what: string): UnreadableRecordingError {
  return new UnreadableRecordingError('too-many-samples', `${what} more than the ${MAX_SAMPLES_PER_FILE} samples a recording may have`);
}

function parseEditList(elst: Buffer | null): Edit[] {
  if (!elst) return [];
  const version = elst.length > 0 ? elst.readUInt8(0) : 0;
  const size = version === 1 ? 20 : 12;
  const count = entryCount(elst, 'elst', 4, size);
  const edits: Edit[] = [];
  for (let i = 0, at = 8; i < count; i += 1, at += size) {
    edits.push(
      version === 1
        ? { segmentDuration: Number(elst.readBigUInt64BE(at)), mediaTime: Number(elst.readBigInt64BE(at + 8)) }
        : { segmentDuration: elst.readUInt32BE(at), mediaTime: elst.readInt32BE(at + 4) },
    );
  }
  return edits;
}

/**
 * Decode times of the samples (stts), in the media timescale. The samples are counted before
 * any is stored, so a corrupt count (one 4-byte change once took the whole process out of
 * memory) stops at MAX_SAMPLES_PER_FILE; below it, the times stay exact (under 2^53).
 */
function decodeTimes(stts: Buffer): Float64Array {
  const entries = entryCount(stts, 'stts', 4, 8);
  let total = 0;
  for (let i = 0; i < entries; i += 1) {
    total += stts.readUInt32BE(8 + i * 8);
    if (total > MAX_SAMPLES_PER_FILE) throw tooManySamples('its stts box describes');
  }
  const times = new Float64Array(total);
  let time = 0;
  let sample = 0;
  for (let i = 0; i < entries; i += 1) {
    const samples = stts.readUInt32BE(8 + i * 8);
    const delta = stts.readUInt32BE(12 + i * 8);
    for (let s = 0; s < samples; s += 1) {
      times[sample++] = time;
      time += delta;
    }
  }
  return times;
}

/** Composition offsets (ctts), one per sample; zeros without the box. */
function compositionOffsets(ctts: Buffer | null, sampleCount: number): Int32Array {
  const offsets = new Int32Array(sampleCount);
  if (!ctts) return offsets;
  const count = entryCount(ctts, 'ctts', 4, 8);
  let sample = 0;
  for (let i = 0, at = 8; i < count && sample < sampleCount; i += 1, at += 8) {
    const samples = ctts.readUInt32BE(at);
    // Version 0 is unsigned by the spec, yet writers put negative values in it; ffmpeg reads both as signed.
    const offset = ctts.readInt32BE(at + 4);
    for (let s = 0; s < samples && sample < sampleCount; s += 1) offsets[sample++] = offset;
  }
  return offsets;
}

/**
 * How many of the samples lie wholly inside the first `fileSize` bytes (stsz, stsc, stco/co64):
 * a recording cut short keeps its header but loses the samples at its end. Each chunk is
 * visited at most once, in order, so the work is bounded by the tables' own sizes.
 */
function samplesInFile(stbl: Buffer, sampleCount: number, fileSize: number): number {
  const stsz = child(stbl, 'stsz');
  const stsc = child(stbl, 'stsc');
  const stco = child(stbl, 'stco');
  const co64 = child(stbl, 'co64');
  if (!stsz || !stsc || (!stco && !co64)) return sampleCount;
  // stsz: version and flags, the size every sample has (0: each has its own), the count, then the sizes.
  if (stsz.length < 12) throw new UnreadableRecordingError('sample-table', `its stsz box is ${stsz.length} bytes, shorter than its header`);
  const fixedSize = stsz.readUInt32BE(4);
  const sized = fixedSize === 0 ? entryCount(stsz, 'stsz', 8, 4) : stsz.readUInt32BE(8);
  if (sized > MAX_SAMPLES_PER_FILE) throw tooManySamples('its stsz box describes');
  const sizeOf = (sample: number) => (fixedSize !== 0 ? fixedSize : stsz.readUInt32BE(12 + sample * 4));
  const chunkCount = co64 && !stco ? entryCount(co64, 'co64', 4, 8) : entryCount(stco!, 'stco', 4, 4);
  const chunkOffset = (chunk: number) => (stco ? stco.readUInt32BE(8 + chunk * 4) : Number(co64!.readBigUInt64BE(8 + chunk * 8)));
  const runs = entryCount(stsc, 'stsc', 4, 12);
  // Samples past stsz's count have no size, so no place in the file.
  const limit = Math.min(sampleCount, sized);
  let sample = 0;
  let chunk = 0;
  for (let run = 0; run < runs && sample < limit; run += 1) {
    // A run that claims to start before the previous one ended (a corrupt table) starts where it ended.
    chunk = Math.max(chunk, stsc.readUInt32BE(8 + run * 12) - 1);
    const perChunk = stsc.readUInt32BE(12 + run * 12);
    const end = run + 1 < runs ? Math.min(chunkCount, stsc.readUInt32BE(8 + (run + 1) * 12) - 1) : chunkCount;
    for (; chunk < end && sample < limit; chunk += 1) {
      let offset = chunkOffset(chunk);
      for (let s = 0; s < perChunk && sample < limit; s += 1, sample += 1) {
        offset += sizeOf(sample);
        if (offset > fileSize) return sample;
      }
    }
  }
  return sample;
}

/**
 * Pure: the presentation times (seconds) of the frames ffmpeg's MP4 demuxer outputs, and of its
 * keyframes. A sample's time is its decode time plus its composition offset; the edit list then
 * maps media time to presentation time (an empty edit delays the start, an edit's media time is
 * where it starts in the media) and drops the frames outside every edit, as ffmpeg does.
 */
function presentedFrameTimes(
  stbl: Buffer,
  mediaTimescale: number,
  movieTimescale: number,
  edits: readonly Edit[],
  fileSize: number,
): { frameTimes: Float64Array; keyframeTimes: Float64Array } {
  const stts = child(stbl, 'stts');
  if (!stts) return { frameTimes: new Float64Array(0), keyframeTimes: new Float64Array(0) };
  const dts = decodeTimes(stts);
  const present = samplesInFile(stbl, dts.length, fileSize);
  const ctts = compositionOffsets(child(stbl, 'ctts'), present);
  const pts = new Float64Array(present);
  for (let i = 0; i < present; i += 1) pts[i] = dts[i] + ctts[i];
  const sync = syncSamples(child(stbl, 'stss'), present);
  const frameTimes = presentationTimes(pts, mediaTimescale, movieTimescale, edits);
  return {
    frameTimes,
    keyframeTimes: sync
      ? presentationTimes(
          sync.map((sample) => pts[sample]),
          mediaTimescale,
          movieTimescale,
          edits,
        )
      : frameTimes.slice(),
  };
}

/**
 * The (0-based) sync samples below `sampleCount` from an `stss`, in order and each once (a
 * corrupt table may repeat them), or null without one (every sample is a sync sample).
 */
function syncSamples(stss: Buffer | null, sampleCount: number): Float64Array | null {
  if (!stss) return null;
  const count = entryCount(stss, 'stss', 4, 4);
  const isSync = new Uint8Array(sampleCount);
  for (let i = 0; i < count; i += 1) {
    const sample = stss.readUInt32BE(8 + i * 4) - 1;
    if (sample >= 0 && sample < sampleCount) isSync[sample] = 1;
  }
  const samples: number[] = [];
  for (let sample = 0; sample < sampleCount; sample += 1) if (isSync[sample]) samples.push(sample);
  return Float64Array.from(samples);
}

/** The index of the first of the ascending `times` at or after `time`. */
function lowerBound(times: Float64Array, time: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle] < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Media times to presentation times (seconds, ascending) through the edit list, as ffmpeg maps
 * them. Each edit finds its frames by binary search in the sorted media times, and all edits
 * together may present at most MAX_SAMPLES_PER_FILE frames: a corrupt list of many edits over
 * many frames costs what its output costs, never edits × frames.
 */
function presentationTimes(mediaTimes: Float64Array, mediaTimescale: number, movieTimescale: number, edits: readonly Edit[]): Float64Array {
  if (edits.length === 0 || movieTimescale <= 0) return mediaTimes.map((time) => time / mediaTimescale).sort();
  const sorted = mediaTimes.slice().sort();
  const times: number[] = [];
  let editStart = 0;
  for (const edit of edits) {
    const length = edit.segmentDuration / movieTimescale;
    if (edit.mediaTime >= 0) {
      const from = edit.mediaTime;
      // A zero-length edit (fragmented files) covers the whole media.
      const to = edit.segmentDuration > 0 ? from + length * mediaTimescale : Infinity;
      const first = lowerBound(sorted, from);
      const last = lowerBound(sorted, to);
      if (times.length + (last - first) > MAX_SAMPLES_PER_FILE) throw tooManySamples('its edit list presents');
      for (let i = first; i < last; i += 1) times.push(editStart + (sorted[i] - from) / mediaTimescale);
    }
    editStart += length;
  }
  return Float64Array.from(times).sort();
}
