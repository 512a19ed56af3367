import type { HlsTranscodeOptions, HlsVideoPath, InputList, InputListEntry } from '@app/ffmpeg';
import type { RecordingTimeline, TimelinePiece } from '@app/recordings';
import type { SessionOutputFormat } from './output-format';
import { ENCODED_RENDITION, SessionRendition } from './rendition';
import { PlannedSegment, planRunSpan } from './segment-plan';

/** ffmpeg writes `-progress` to stdout and the finished-segment list to fd 3. */
export const PROGRESS_FD = 1;
export const SEGMENT_LIST_FD = 3;

/** What one encoder run reads: the pieces of its input list and where in it to start. */
export interface EncoderInput {
  entries: InputListEntry[];
  /** Seconds into the list where the run's first segment begins (input -ss). */
  inputOffsetSeconds: number;
  /** The piece the run starts in: its format is the run's (a run never reads across a change). */
  firstPiece: TimelinePiece;
}

/**
 * Pure: the input of a run that starts `startSeconds` into the session's timeline (and ends at
 * `endSeconds`). The list
 * begins at the recording that holds that moment, so ffmpeg's seek stays inside one file: a
 * seek into the concat demuxer's whole timeline fails on some files (video-only HEVC MP4, seen
 * with ffmpeg 5.1) and then falls back to decoding everything before the target.
 */
export function planEncoderInput(timeline: RecordingTimeline, startSeconds: number, endSeconds = Infinity): EncoderInput {
  const pieces = timeline.pieces;
  const first = pieceIndexAt(timeline, startSeconds);
  // Files from where the run ends on are left out: the run never opens one (another format, say).
  let last = first + 1;
  while (last < pieces.length && pieces[last].timelineOffsetSeconds < endSeconds - 1e-6) last += 1;
  const entries = pieces.slice(first, last).map((piece) => {
    const usedSeconds = piece.inpointSeconds + piece.durationSeconds;
    return {
      path: piece.path,
      ...(piece.initSegmentUri ? { initSegmentUri: piece.initSegmentUri } : {}),
      // The file's length on the list's timeline: where the next file starts (gaps collapse).
      durationSeconds: usedSeconds,
      // Stop reading a file early only where the range (or the next file) cuts it.
      outpointSeconds: usedSeconds < piece.fileDurationSeconds - 0.001 ? usedSeconds : undefined,
    };
  });
  const piece = pieces[first];
  // Float sums of durations can put the start a hair before the piece chosen: never seek negative.
  return {
    entries,
    inputOffsetSeconds: Math.max(0, piece.inpointSeconds + (startSeconds - piece.timelineOffsetSeconds)),
    firstPiece: piece,
  };
}

/** Pure: the index of the piece that holds `seconds` of the timeline (a piece holds its own start). */
export function pieceIndexAt(timeline: RecordingTimeline, seconds: number): number {
  const pieces = timeline.pieces;
  let low = 0;
  let high = pieces.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (pieces[middle].timelineOffsetSeconds <= seconds + 1e-6) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** What a run needs of its session: the plan, the output format and the rendition. */
export interface RunSessionPlan {
  readonly timeline: RecordingTimeline;
  readonly segments: readonly PlannedSegment[];
  /** Encoded at 1× when absent. */
  readonly rendition?: SessionRendition;
  /**
   * MPEG-TS time of offset 0 of its timeline, seconds (a track's hour: see plan/hour-timeline.ts);
   * 0 when absent (a session's own timeline).
   */
  readonly ptsBaseSeconds?: number;
  outputFormat(maxHeight: number): SessionOutputFormat;
}

/** Pure: what a run from segment `index` reads, and the cuts it forces keyframes at. */
export function runInput(plan: RunSessionPlan, index: number) {
  const segment = plan.segments[index];
  // The run reads from the cut before the segment's first frame (the range's start for the first).
  const span = planRunSpan(plan.segments, plan.timeline.durationSeconds, index);
  return { segment, span, ...planEncoderInput(plan.timeline, segment.cutSeconds, segment.cutSeconds + span.durationSeconds) };
}

/**
 * Pure: the transcode options of a run from segment `index` (the same for the service and for
 * the benchmark's floor, ffmpeg alone making that segment).
 */
export function runTranscodeOptions(
  plan: RunSessionPlan,
  index: number,
  input: ReturnType<typeof runInput>,
  list: InputList,
  listPath: string,
  settings: { outputDir: string; segmentFilePrefix: string; outputMaxHeight: number; preset: string },
): HlsTranscodeOptions {
  const { segment, span } = input;
  const output = plan.outputFormat(settings.outputMaxHeight);
  const runHasAudio = !!input.firstPiece.media?.audio;
  const rendition = plan.rendition ?? ENCODED_RENDITION;
  return {
    video: videoPath(rendition, segment.cutSeconds - list.seekSeconds),
    ...(rendition.audio === 'none' ? { noAudio: true } : {}),
    ...(rendition.audio === 'copy' ? { audioCopy: true } : {}),
    input: { format: list.format, path: listPath, protocols: list.protocols },
    seekSeconds: list.seekSeconds,
    durationSeconds: span.durationSeconds,
    // Output times are timeline times: every run writes the same timestamps for the same frame.
    outputOffsetSeconds: segment.cutSeconds + (plan.ptsBaseSeconds ?? 0),
    // (A millisecond after the first frame: the previous run may have an audio packet that starts there.)
    audioStartSeconds: index === 0 ? 0 : segment.timelineStartSeconds - segment.cutSeconds + 0.001,
    // The AAC encoder's priming frame: in a run that starts mid-range it would overlap the
    // audio of the segment before; in the first run it would make the muxer shift every stream
    // by its length, off the timestamps the other runs write.
    dropAudioPriming: true,
    outputDir: settings.outputDir,
    segmentFilePrefix: settings.segmentFilePrefix,
    startNumber: index,
    keyframeTimes: span.keyframeTimes,
    maxHeight: settings.outputMaxHeight,
    outputFrame: output.frame,
    audio: output.audio,
    silentAudio: !!output.audio && !runHasAudio,
    preset: settings.preset,
    segmentListFd: SEGMENT_LIST_FD,
    progressFd: PROGRESS_FD,
  };
}

/**
 * Pure: the ffmpeg video path of a run of `rendition` whose list time 0 is `listStartSeconds` on
 * the session's timeline (where a fast run's slots are counted from).
 */
export function videoPath(rendition: SessionRendition, listStartSeconds: number): HlsVideoPath {
  const video = rendition.video;
  if (video.mode !== 'fast') return { mode: video.mode };
  return {
    mode: 'fast',
    speed: video.speed,
    keyframesOnly: video.decode === 'keyframes',
    ...(video.select ? { select: { stepSeconds: video.select.stepSeconds, offsetSeconds: listStartSeconds + video.select.phaseSeconds } } : {}),
  };
}
