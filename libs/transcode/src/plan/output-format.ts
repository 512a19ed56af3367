import type { HlsAudioOutput, HlsOutputFrame } from '@app/ffmpeg';
import type { TimelinePiece } from '@app/recordings';

/**
 * What a whole session outputs, whatever its recordings do mid-range: one picture size and one
 * audio format, so a player never meets a change it would need a discontinuity for.
 */
export interface SessionOutputFormat {
  /** The picture size of every segment; unknown when no recording's header gave its size. */
  frame?: HlsOutputFrame;
  /** The audio of every segment (silence where a recording has none); none when no recording has audio. */
  audio?: HlsAudioOutput;
}

/**
 * AAC sample rates kept as they are. Lower rates (cameras with G.711 microphones record 8 or
 * 16 kHz) are resampled to 48 kHz: hls.js signals AAC under 24 kHz as HE-AAC to Firefox, and
 * browsers' decoders treat such streams unevenly.
 */
const KEPT_SAMPLE_RATES = new Set([32000, 44100, 48000]);
const RESAMPLED_RATE = 48000;
/** AAC-LC bitrates that every rate and channel count kept here allow (at most 6 bits a sample). */
const MONO_BITRATE_KBPS = 64;
const STEREO_BITRATE_KBPS = 96;

/**
 * Pure: the session's output from its pieces. The picture is the first recording's size, scaled
 * down (never up) to `maxHeight`; a later recording of another size is scaled into it. The audio
 * follows the first recording that has audio: its rate if browsers play it well (48 kHz
 * otherwise), mono or stereo, at a bitrate that rate and channel count allow.
 */
export function chooseOutputFormat(pieces: readonly TimelinePiece[], maxHeight: number): SessionOutputFormat {
  const video = pieces.find((piece) => piece.media?.video?.width && piece.media.video.height)?.media?.video;
  const audio = pieces.find((piece) => piece.media?.audio)?.media?.audio;
  const format: SessionOutputFormat = {};
  if (video?.width && video.height) {
    // Even sizes (4:2:0), the height rounded down: never a pixel more than the source has.
    const height = Math.max(2, Math.floor(Math.min(video.height, maxHeight) / 2) * 2);
    format.frame = { width: Math.max(2, Math.round((video.width * height) / video.height / 2) * 2), height };
  }
  if (audio) {
    const channels = Math.min(2, Math.max(1, audio.channels ?? 1)) as 1 | 2;
    const sampleRate = audio.sampleRate && KEPT_SAMPLE_RATES.has(audio.sampleRate) ? audio.sampleRate : RESAMPLED_RATE;
    format.audio = { sampleRate, channels, bitrateKbps: channels === 1 ? MONO_BITRATE_KBPS : STEREO_BITRATE_KBPS };
  }
  return format;
}

/**
 * Pure: whether a recording's audio can be copied as it is: AAC at a rate kept above, mono or
 * stereo. Anything else is encoded into the session's format (see chooseOutputFormat).
 */
export function isCopyableAudio(audio: { codecTag: string; sampleRate?: number; channels?: number }): boolean {
  return audio.codecTag === 'mp4a' && KEPT_SAMPLE_RATES.has(audio.sampleRate ?? 0) && (audio.channels ?? 0) >= 1 && (audio.channels ?? 0) <= 2;
}

/**
 * Pure: what a run's input must keep the same from file to file: ffmpeg's concat demuxer takes
 * its streams and codecs from the first file, so a run never reads past a change of video codec,
 * of picture size, or of the audio's presence or format. Unknown (no header read) is one format.
 */
export function sourceFormatKey(piece: TimelinePiece): string {
  const media = piece.media;
  if (!media) return 'unknown';
  const video = media.video ? `${codecFamily(media.video.codecTag)} ${media.video.width}x${media.video.height}` : 'no video';
  const audio = media.audio ? `${media.audio.codecTag} ${media.audio.sampleRate}/${media.audio.channels}` : 'no audio';
  return `${video}, ${audio}`;
}

function codecFamily(tag: string): string {
  if (tag === 'hvc1' || tag === 'hev1') return 'hevc';
  if (tag === 'avc1' || tag === 'avc3') return 'h264';
  return tag;
}

/**
 * Pure: the RFC 6381 codec (avc1.PPCCLL: profile_idc, the constraint-flag byte, level_idc of the
 * SPS) of the H.264 an encoder writes with this service's settings: every builder asks for
 * `-profile:v high -level:v 4.1`, which each encoder takes its own way (output-format.spec.ts
 * holds the table, and how each value was read).
 * - libx264 takes High as a ceiling and writes the profile of the tools its preset uses:
 *   ultrafast (no CABAC, no 8x8 transform, no B-frames) is Constrained Baseline (66, with
 *   constraint_set0 and set1) at the level asked; every other preset uses them, so High.
 * - h264_vaapi writes High with constraint_set4 (frame_mbs_only) and set5 (no B-frames: -bf 0),
 *   as ffmpeg's vaapi_encode_h264.c fills the SPS.
 * - The others (NVENC, QSV, AMF, Rockchip MPP, V4L2) hand the profile and level to the driver,
 *   which writes the SPS: High at 4.1 at most, as asked.
 */
export function encodedVideoCodec(encoder: string, preset: string): string {
  if (encoder === 'libx264') return preset === 'ultrafast' ? 'avc1.42c029' : 'avc1.640029';
  if (encoder === 'h264_vaapi') return 'avc1.640c29';
  return 'avc1.640029';
}

/**
 * Pure: one codec that covers streams of all `codecs` (each avc1.PPCCLL), for a session that may
 * be made by either of two encoders (a hardware one, then libx264 after it fails): the highest
 * profile (Constrained Baseline and Main streams play on a High decoder), the constraints all of
 * them keep, and the highest level.
 */
export function coveringVideoCodec(codecs: readonly string[]): string {
  const parts = codecs.map((codec) => [0, 1, 2].map((byte) => Number.parseInt(codec.slice(5 + byte * 2, 7 + byte * 2), 16)));
  const profile = Math.max(...parts.map(([idc]) => idc));
  const constraints = parts.reduce((flags, [, compatibility]) => flags & compatibility, 0xff);
  const level = Math.max(...parts.map(([, , idc]) => idc));
  const hex = (byte: number) => byte.toString(16).padStart(2, '0');
  return `avc1.${hex(profile)}${hex(constraints)}${hex(level)}`;
}
