import type { RecordingTimeline, TimelinePiece } from '@app/recordings';
import type { PlaybackSpeed } from '../model/playback-speed';
import { isCopyableAudio, sourceFormatKey } from './output-format';
import { FIRST_SEGMENT_SECONDS, PlannedSegment, framesOnTimeline, keyframesOnTimeline, planSegments } from './segment-plan';

/**
 * A fast rendition shows at most this many frames a second (and never more than the source
 * has): a timelapse needs no more, and every frame less is one the encoder does not make.
 */
export const FAST_MAX_FRAME_RATE = 15;
/**
 * Keyframes alone are decoded when they give a fast rendition at least this many frames a
 * second: smooth enough to follow, at a fraction of the decoding. Sparser keyframes (a camera's
 * long GOP, or a low speed) mean decoding every frame and dropping most.
 */
export const MIN_KEYFRAME_ONLY_FRAME_RATE = 8;

/**
 * H.264 profiles every browser's decoder plays: Constrained Baseline and Baseline (66), Main
 * (77) and High (100). High 10, 4:2:2 and 4:4:4 (110, 122, 244) are not played by browsers.
 */
const BROWSER_H264_PROFILES = new Set([66, 77, 100]);
/** Level 5.2 (level_idc 52): what MSE in Chromium, Firefox and Safari accepts. */
const BROWSER_H264_MAX_LEVEL = 52;

/** How a session's video is made from its recordings. */
export type VideoRendition =
  /** Every frame decoded, scaled and encoded (H.265, or H.264 browsers cannot play). */
  | { mode: 'encode' }
  /** Browser-playable H.264: its packets copied, segments cut at its own keyframes. */
  | { mode: 'copy' }
  /**
   * Faster than real time: frames dropped before the scaler and encoder, times divided by the
   * speed. `decode` says whether only keyframes are decoded; `select` (when the decoded frames
   * are denser than the output rate) keeps the first decoded frame of each `stepSeconds` slot of
   * the timeline, the slots shifted by `phaseSeconds` so that no frame sits on a slot's edge.
   */
  | { mode: 'fast'; speed: PlaybackSpeed; decode: 'keyframes' | 'all'; frameRate: number; select?: { stepSeconds: number; phaseSeconds: number } };

/** What a session outputs and how: its speed, its video's path, and whether its audio is copied. */
export interface SessionRendition {
  speed: PlaybackSpeed;
  video: VideoRendition;
  /** encode: AAC made in the session's audio format; copy: the recordings' AAC as it is; none: video only. */
  audio: 'encode' | 'copy' | 'none';
}

/** The normal rendition, for a session made before any of this was decided (and for tests). */
export const ENCODED_RENDITION: SessionRendition = { speed: 1, video: { mode: 'encode' }, audio: 'encode' };

/**
 * Pure: how a session of `speed` is made from its pieces. At 1×, a range whose recordings are
 * all browser-playable H.264 of one format (with keyframe times from their headers) is copied;
 * anything else, a mix of H.264 and H.265 included, is encoded as one stream. Faster, video only.
 */
export function chooseRendition(pieces: readonly TimelinePiece[], speed: PlaybackSpeed, { allowCopy = true } = {}): SessionRendition {
  if (speed > 1) return { speed, video: fastVideo(pieces, speed), audio: 'none' };
  if (allowCopy && canCopyVideo(pieces)) {
    const audio = pieces[0].media?.audio;
    return { speed, video: { mode: 'copy' }, audio: !audio ? 'none' : isCopyableAudio(audio) ? 'copy' : 'encode' };
  }
  return ENCODED_RENDITION;
}

/** Pure: whether every piece is H.264 a browser plays as it is, all of one format, with keyframes known. */
export function canCopyVideo(pieces: readonly TimelinePiece[]): boolean {
  if (pieces.length === 0) return false;
  const format = sourceFormatKey(pieces[0]);
  return pieces.every((piece) => {
    const video = piece.media?.video;
    if (!video || (video.codecTag !== 'avc1' && video.codecTag !== 'avc3') || !video.avc) return false;
    if (!BROWSER_H264_PROFILES.has(video.avc.profile) || video.avc.level > BROWSER_H264_MAX_LEVEL) return false;
    return (video.keyframeTimes?.length ?? 0) > 0 && sourceFormatKey(piece) === format;
  });
}

function fastVideo(pieces: readonly TimelinePiece[], speed: PlaybackSpeed): VideoRendition {
  const sourceRate = sourceFrameRate(pieces);
  const frameRate = Math.min(FAST_MAX_FRAME_RATE, sourceRate ?? FAST_MAX_FRAME_RATE);
  const stepSeconds = speed / frameRate;
  const keyframes = pieces.map((piece) => keyframesOnTimeline(piece));
  const known = keyframes.every((times) => times !== null);
  const duration = pieces.reduce((sum, piece) => sum + piece.durationSeconds, 0);
  const keyframeCount = keyframes.reduce((sum, times) => sum + (times?.length ?? 0), 0);
  // Keyframes per second of output, on average over the range.
  const keyframeRate = known && duration > 0 ? (keyframeCount * speed) / duration : 0;
  const decode = keyframeRate >= MIN_KEYFRAME_ONLY_FRAME_RATE ? 'keyframes' : 'all';
  const decoded = decode === 'keyframes' ? keyframes : pieces.map((piece) => framesOnTimeline(piece));
  const times = decoded.every((list) => list !== null) ? (decoded as number[][]).flat() : null;
  // Decoded frames never closer than a step: each is its own slot, nothing to select.
  if (times && minimumGap(times) >= stepSeconds) return { mode: 'fast', speed, decode, frameRate };
  return { mode: 'fast', speed, decode, frameRate, select: { stepSeconds, phaseSeconds: times ? slotPhase(times, stepSeconds) : 0 } };
}

/** Pure: frames a second of the first piece whose header gave frame times, or undefined. */
export function sourceFrameRate(pieces: readonly TimelinePiece[]): number | undefined {
  const times = pieces.find((piece) => (piece.media?.video?.frameTimes?.length ?? 0) > 1)?.media?.video?.frameTimes;
  if (!times || times.length < 2) return undefined;
  const rate = (times.length - 1) / (times[times.length - 1] - times[0]);
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

function minimumGap(times: readonly number[]): number {
  let gap = Infinity;
  for (let i = 1; i < times.length; i += 1) gap = Math.min(gap, times[i] - times[i - 1]);
  return gap;
}

/**
 * Pure: a shift of the slot grid that puts every slot edge in the middle of the widest empty
 * stretch between the frames' positions within a slot, as far from any frame as it can be: the
 * plan and ffmpeg compute a frame's slot from times that differ by rounding, and a frame on an
 * edge could land in different slots in each.
 */
export function slotPhase(times: readonly number[], stepSeconds: number): number {
  const positions = times.map((time) => ((time % stepSeconds) + stepSeconds) % stepSeconds).sort((a, b) => a - b);
  if (positions.length === 0) return 0;
  let edge = (positions[0] + stepSeconds + positions[positions.length - 1]) / 2;
  let widest = positions[0] + stepSeconds - positions[positions.length - 1];
  for (let i = 1; i < positions.length; i += 1) {
    if (positions[i] - positions[i - 1] > widest) {
      widest = positions[i] - positions[i - 1];
      edge = (positions[i] + positions[i - 1]) / 2;
    }
  }
  // floor((t + phase) / step) steps up where t + phase is a multiple of the step: at `edge`.
  return (((stepSeconds - edge) % stepSeconds) + stepSeconds) % stepSeconds;
}

/** Pure: the decoded frames a fast rendition keeps (the slot rule of its `select`), ascending. */
export function selectedFrames(decoded: readonly number[], select: { stepSeconds: number; phaseSeconds: number }): number[] {
  const slot = (time: number) => Math.floor((time + select.phaseSeconds) / select.stepSeconds);
  return decoded.filter((time, i) => i === 0 || slot(time) !== slot(decoded[i - 1]));
}

/**
 * Pure: the segments of a session in its rendition. Encoded: about `segmentSeconds` of output
 * each, cut at any frame. Copied: cut only at the source's keyframes. Fast: about
 * `segmentSeconds` of output, so `segmentSeconds × speed` of recordings, cut at frames it keeps.
 * Times stay the recordings' (the playlist divides them by the speed). In every rendition a
 * segment also starts where the camera's clock jumps (planSegments), at its first frame at or
 * after the jump: the source's at 1×, a keyframe when copied, an output frame when fast.
 */
export function planRenditionSegments(timeline: RecordingTimeline, segmentSeconds: number, rendition: SessionRendition): PlannedSegment[] {
  const video = rendition.video;
  if (video.mode === 'encode') return planSegments(timeline, segmentSeconds);
  if (video.mode === 'copy') return planSegments(timeline, segmentSeconds, { boundaryCandidates: keyframesOnTimeline, startAtFirstCandidate: true });
  const decodedOf = video.decode === 'keyframes' ? keyframesOnTimeline : framesOnTimeline;
  // Its frames are at least speed/frameRate s of recordings apart: the camera's clock may wander
  // half that inside a segment (a whole-second file name's hundredths do not cut a timelapse).
  const fast = {
    firstSegmentSeconds: FIRST_SEGMENT_SECONDS * video.speed,
    startAtFirstCandidate: true,
    clockToleranceSeconds: video.speed / video.frameRate / 2,
  };
  const length = segmentSeconds * video.speed;
  const select = video.select;
  if (!select) return planSegments(timeline, length, { ...fast, boundaryCandidates: decodedOf });
  // The slot rule runs on from file to file (a piece's first frame follows the last of the piece
  // before), and starts again where the format changes: no run reads across that, so the run
  // that starts there keeps its first frame.
  const decoded = timeline.pieces.map((piece) => decodedOf(piece));
  if (decoded.some((times) => times === null)) return planSegments(timeline, length, { ...fast, boundaryCandidates: () => null });
  const kept = new Set<number>();
  let stretch: number[] = [];
  for (const [index, piece] of timeline.pieces.entries()) {
    if (index > 0 && sourceFormatKey(piece) !== sourceFormatKey(timeline.pieces[index - 1])) {
      for (const time of selectedFrames(stretch, select)) kept.add(time);
      stretch = [];
    }
    stretch.push(...decoded[index]!);
  }
  for (const time of selectedFrames(stretch, select)) kept.add(time);
  return planSegments(timeline, length, { ...fast, boundaryCandidates: (_piece, index) => decoded[index]!.filter((time) => kept.has(time)) });
}
