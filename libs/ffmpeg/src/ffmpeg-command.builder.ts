import { Injectable } from '@nestjs/common';
import type { InputListFormat } from './ffmpeg-input-list';

/** ffmpeg's one demuxer for MP4 and its kin (its name lists them), which reads Frigate's recordings and fMP4 segments. */
const MP4_DEMUXER = 'mov,mp4,m4a,3gp,3g2,mj2';

/** The list a run reads (see buildInputList) and the protocols it may open. */
export interface TranscodeInput {
  format: InputListFormat;
  /** Path of the list file (ffconcat or HLS media playlist). */
  path: string;
  /** ffmpeg's -protocol_whitelist. */
  protocols: readonly string[];
}

/** One picture size for every segment of a session. */
export interface HlsOutputFrame {
  width: number;
  height: number;
}

/** One audio format for every segment of a session. */
export interface HlsAudioOutput {
  sampleRate: number;
  channels: 1 | 2;
  bitrateKbps: number;
}

/**
 * How a run makes its video. encode: every frame decoded, scaled and encoded. copy: the packets
 * as they are (browser-playable H.264), cut at the source's keyframes. fast: `speed` times real
 * time, frames dropped before the scaler (only keyframes decoded when `keyframesOnly`).
 */
export type HlsVideoPath =
  | { mode: 'encode' }
  | { mode: 'copy' }
  | {
      mode: 'fast';
      speed: number;
      keyframesOnly: boolean;
      /**
       * Keeps the first decoded frame of each `stepSeconds` slot: a frame at list time t is in
       * slot floor((t + offsetSeconds) / stepSeconds), so the slots are the session's own, whatever
       * the run's start. Absent: every decoded frame is kept.
       */
      select?: { stepSeconds: number; offsetSeconds: number };
    };

/**
 * How the encoder spends bits. `crf` alone: constant quality, whatever it costs. With `maxrateKbps`
 * and `bufsizeKbps`: capped CRF, the same quality until a scene would need more than the cap
 * (x264's VBV), so a rung stays within the bandwidth its master playlist advertises.
 */
export interface VideoRateControl {
  crf: number;
  maxrateKbps?: number;
  bufsizeKbps?: number;
}

/** The service's rate control before the ladder: CRF 23, uncapped. */
export const DEFAULT_RATE_CONTROL: VideoRateControl = { crf: 23 };

/** Everything needed to turn a range of recordings into H.264 HLS segments. */
export interface HlsTranscodeOptions {
  /** How the video is made; encoded when absent. Times in these options are the recordings' (a fast run divides them by its speed). */
  video?: HlsVideoPath;
  /** The recordings' AAC is copied as it is (no resampling, no priming drop). */
  audioCopy?: boolean;
  /** Video only. */
  noAudio?: boolean;
  input: TranscodeInput;
  /**
   * Seconds of the input dropped before output starts (an output -ss: frames before it are
   * decoded, not encoded). 0 for an ffconcat list, whose first entry's in point is the start;
   * for an HLS list, the offset into its first segment.
   */
  seekSeconds: number;
  /** Seconds of timeline to encode from the offset. */
  durationSeconds: number;
  /** Directory that receives the segment files. */
  outputDir: string;
  /**
   * Where the segments after the run's first one begin, seconds from the run's start (ascending):
   * a keyframe is forced at the first frame at or after each, and the segment muxer cuts there.
   */
  keyframeTimes: readonly number[];
  /** Output is scaled down to at most this height, never up (when `outputFrame` is not given). */
  maxHeight: number;
  /**
   * The session's picture size: every run scales its recordings into it (the software encoder
   * letterboxes a recording of another shape), so a size change mid-range never reaches the player.
   */
  outputFrame?: HlsOutputFrame;
  /** The session's audio format (resampled and mixed to it); AAC 96k at the source's format when absent. */
  audio?: HlsAudioOutput;
  /** The run's recordings have no audio while the session's others do: it encodes silence in `audio`'s format. */
  silentAudio?: boolean;
  /** x264 preset. */
  preset: string;
  /** libx264's rate control (hardware encoders keep their own); DEFAULT_RATE_CONTROL when absent. */
  rate?: VideoRateControl;
  /** Index of the first segment written (segment file numbering). */
  startNumber?: number;
  /**
   * Added to every output timestamp, so a run that starts at segment k writes the same
   * timestamps a run from the start would have: segments of different runs line up.
   */
  outputOffsetSeconds?: number;
  /**
   * Drop the AAC encoder's first (priming) frame: a run that starts mid-range would otherwise
   * begin its audio one frame before its video, overlapping the segment before it.
   */
  dropAudioPriming?: boolean;
  /**
   * Seconds from the run's start where its audio begins (just after its first frame: a run
   * starts reading a moment before it). Audio from there only, so it does not overlap the
   * segment before, which another run made.
   */
  audioStartSeconds?: number;
  /** Segment files are named `<prefix>%05d.ts`; a prefix per run keeps runs from overwriting each other. */
  segmentFilePrefix?: string;
  /** File descriptor ffmpeg writes its finished-segment list to (CSV: name,start,end). */
  segmentListFd: number;
  /** File descriptor ffmpeg writes `-progress` key=value blocks to. */
  progressFd: number;
}

/** One rung of a run that makes several from one decode: its picture, its rate control, its files. */
export interface HlsRungOutput {
  frame: HlsOutputFrame;
  rate: VideoRateControl;
  /** Directory that receives this rung's segment files. */
  outputDir: string;
  /** This rung's segment file prefix (DEFAULT_SEGMENT_PREFIX when absent). */
  segmentFilePrefix?: string;
  /** File descriptor ffmpeg writes this rung's finished-segment list to. */
  segmentListFd: number;
}

/**
 * A run that decodes its recordings once and encodes every rung from them (one ffmpeg, one output
 * per rung). Everything but the rungs is shared: the input, the range, the forced keyframes (so
 * every rung cuts at the same frames), the audio. Encoded or fast, never copied.
 */
export interface HlsLadderTranscodeOptions extends Omit<
  HlsTranscodeOptions,
  'video' | 'outputDir' | 'segmentFilePrefix' | 'segmentListFd' | 'maxHeight' | 'outputFrame' | 'rate'
> {
  video?: Exclude<HlsVideoPath, { mode: 'copy' }>;
  rungs: readonly HlsRungOutput[];
}

/**
 * Every ffmpeg this service runs starts with these. -nostdin: ffmpeg must never read (or wait
 * on) a terminal. -loglevel warning: stderr carries the lines worth showing when something fails.
 */
export const FFMPEG_GLOBAL_OPTIONS: readonly string[] = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats'];

/** Default segment file prefix: seg_00000.ts, seg_00001.ts, … */
export const DEFAULT_SEGMENT_PREFIX = 'seg_';

/**
 * x264's own periodic keyframes are pushed out of reach (in frames), so the only keyframes are
 * the forced ones on the segment grid: the segment muxer of a run that starts mid-range cuts
 * at every keyframe, and must only find grid ones.
 */
export const NO_PERIODIC_KEYFRAMES_GOP = 100000;

/** Whether a builder encodes on the CPU or on a hardware encoder (which may fail to start). */
export type EncoderKind = 'software' | 'hardware';

/**
 * Pure: options in, argv out. Never a shell string.
 *
 * This class is the software encoder (libx264). The argv is built from hooks (decoder, input,
 * scale filter, video encoder, keyframes, audio, output) so that each hardware accelerator's
 * builder overrides only the parts that differ (see accelerators/).
 */
@Injectable()
export class FfmpegCommandBuilder {
  /** The accelerator this builder drives (FFMPEG_HWACCEL). */
  readonly accelerator: string = 'none';
  readonly kind: EncoderKind = 'software';
  /** The ffmpeg video encoder it selects. */
  readonly videoEncoder: string = 'libx264';

  buildHlsTranscode(options: HlsTranscodeOptions): string[] {
    // A copied stream is neither decoded nor encoded: no accelerator has a part in it.
    const copy = options.video?.mode === 'copy';
    return [
      ...this.globalOptions(),
      ...(copy ? [] : this.decoderOptions()),
      ...this.inputOptions(options),
      ...this.outputTimingOptions(options),
      ...this.streamMapping(options),
      ...(copy
        ? ['-c:v', 'copy']
        : [...this.frameTimingOptions(), ...this.videoFilterOptions(options), ...this.videoEncoderOptions(options), ...this.keyframeOptions(options)]),
      ...this.audioEncoderOptions(options),
      ...this.segmentOutputOptions(options),
    ];
  }

  /**
   * Several rungs from one decode: the decoded frames (after a fast run's selection) are scaled
   * into each rung's frame (ladderFilterGraph) and each rung is encoded by its own output, which
   * repeats the range, the keyframe forcing and the audio of a one-rung run (ffmpeg's output
   * options belong to one output each). `-progress` is global: it is given once.
   */
  buildHlsLadderTranscode(options: HlsLadderTranscodeOptions): string[] {
    if (options.rungs.length === 0) throw new RangeError('a ladder run needs at least one rung');
    const rungOptions = options.rungs.map((rung): HlsTranscodeOptions => ({
      ...options,
      outputDir: rung.outputDir,
      segmentFilePrefix: rung.segmentFilePrefix,
      segmentListFd: rung.segmentListFd,
      rate: rung.rate,
      outputFrame: rung.frame,
      maxHeight: rung.frame.height,
    }));
    return [
      ...this.globalOptions(),
      ...this.decoderOptions(),
      ...this.inputOptions(rungOptions[0]),
      '-filter_complex',
      this.ladderFilterGraph(options),
      ...rungOptions.flatMap((rung, index) => [
        ...this.outputTimingOptions(rung),
        ...this.streamMapping(rung, `[v${index}]`),
        ...this.frameTimingOptions(),
        ...this.videoEncoderOptions(rung),
        ...this.keyframeOptions(rung),
        ...this.audioEncoderOptions(rung),
        ...this.segmentOutputOptions(rung, index === 0),
      ]),
    ];
  }

  /**
   * The ladder's filter graph, as [vN] for rung N: the shared frames (a fast run's selection) are
   * scaled into the tallest rung, and each shorter rung is scaled from the one above it (a
   * cascade). Scaling from the rung above rather than from the source reads a picture a half to a
   * third the size: the lower rungs' scalers cost less (bench/history/2026-12-08-ladder.md).
   */
  protected ladderFilterGraph(options: HlsLadderTranscodeOptions): string {
    const { rungs } = options;
    const tallestFirst = rungs.map((_, index) => index).sort((a, b) => rungs[b].frame.height - rungs[a].frame.height);
    return tallestFirst
      .map((rungIndex, step) => {
        const last = step === tallestFirst.length - 1;
        const filters = [...(step === 0 ? fastFilters(options.video, options.seekSeconds) : []), this.fixedFrameFilter(rungs[rungIndex].frame)];
        const input = step === 0 ? '[0:v:0]' : `[c${step - 1}]`;
        return last ? `${input}${filters.join(',')}[v${rungIndex}]` : `${input}${[...filters, 'split=2'].join(',')}[v${rungIndex}][c${step}]`;
      })
      .join(';');
  }

  /** argv that only checks that the binary runs. */
  buildVersionProbe(): string[] {
    return ['-hide_banner', '-version'];
  }

  protected globalOptions(): string[] {
    return [...FFMPEG_GLOBAL_OPTIONS];
  }

  /** Options before -i that choose how the input is decoded (hardware decoders override this). */
  protected decoderOptions(): string[] {
    return [];
  }

  protected inputOptions(options: HlsTranscodeOptions): string[] {
    const { input } = options;
    const concat = input.format === 'concat';
    return [
      // Only what the list needs may be opened (local files; the upstream's http), whatever a
      // recording or list entry says.
      '-protocol_whitelist',
      input.protocols.join(','),
      // And only the containers recordings come in (the list's own format, then MP4 / fMP4):
      // a file that is something else is refused rather than handed to another demuxer.
      '-format_whitelist',
      `${concat ? 'concat' : 'hls'},${MP4_DEMUXER}`,
      ...(concat
        ? [
            // The list's own timestamps: its first file's in point is 0, and the packets the
            // demuxer reads from the keyframe before it come out negative, for the output -ss 0
            // to drop. (An input -ss on the concat demuxer fails on video-only HEVC MP4 in
            // ffmpeg 5.1 and lands on the next keyframe, off the segment grid.)
            '-copyts',
            '-f',
            'concat',
            // The list holds absolute paths into the recordings directory, which "safe" mode rejects.
            '-safe',
            '0',
          ]
        : // The HLS demuxer of ffmpeg 5.1 cannot seek in fMP4 segments whose timestamps do not
          // start at 0 (Frigate's): the run's playlist starts at the segment holding the start
          // and the output -ss drops what comes before it.
          ['-f', 'hls']),
      // A fast rendition of dense keyframes decodes nothing else (the decoder skips the rest).
      ...(options.video?.mode === 'fast' && options.video.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
      '-i',
      input.path,
      ...(options.silentAudio && options.audio
        ? ['-f', 'lavfi', '-i', `anullsrc=r=${options.audio.sampleRate}:cl=${options.audio.channels === 1 ? 'mono' : 'stereo'}`]
        : []),
    ];
  }

  /** Where an output starts and ends, and its timestamp offset (output options: one set per output). */
  protected outputTimingOptions(options: HlsTranscodeOptions): string[] {
    const concat = options.input.format === 'concat';
    return [
      // Output times: a fast run's are its frames' times divided by the speed (its filters do
      // that before the output's -ss and -t trim them).
      ...(concat || options.seekSeconds > 0 ? ['-ss', formatSeconds(outputTime(options, options.seekSeconds))] : []),
      // An output -t (not an input one): it cuts audio and video at the same point, where an
      // input -t leaves the audio encoder's tail as a stray one-frame segment at the end.
      '-t',
      formatSeconds(outputTime(options, options.durationSeconds)),
      ...(options.outputOffsetSeconds ? ['-output_ts_offset', formatSeconds(outputTime(options, options.outputOffsetSeconds))] : []),
    ];
  }

  /** `video`: the input's first video stream, or a ladder run's filter graph output for this rung. */
  protected streamMapping(options: HlsTranscodeOptions, video = '0:v:0'): string[] {
    // The "?" makes audio optional: cameras without a microphone still transcode. A run whose
    // recordings have none in a session whose others do takes the silence input's instead.
    if (options.noAudio) return ['-map', video, '-an', '-sn', '-dn'];
    const audio = options.silentAudio && options.audio ? '1:a:0' : '0:a:0?';
    return ['-map', video, '-map', audio, '-sn', '-dn'];
  }

  /**
   * Frames keep their source times: a camera's odd or jittery frame rate is neither resampled to
   * a constant rate (which would drop and duplicate frames, and move them off the times the plan
   * was made from) nor rounded to a 1/fps time base. Only a frame that would repeat the previous
   * one's time (recordings that overlap by a frame) is dropped.
   */
  protected frameTimingOptions(): string[] {
    return ['-fps_mode', 'vfr', '-enc_time_base:v', '1/90000'];
  }

  protected videoFilterOptions(options: HlsTranscodeOptions): string[] {
    const scale = options.outputFrame ? this.fixedFrameFilter(options.outputFrame) : this.scaleFilter(outputHeightExpression(options.maxHeight));
    return ['-vf', [...fastFilters(options.video, options.seekSeconds), scale].join(',')];
  }

  /**
   * The filter chain that puts any recording into the session's picture size. On the CPU it is
   * scaled to fit and letterboxed; a hardware scaler (which cannot pad on the GPU) scales to the
   * session's height, so only a recording of another shape changes the width.
   */
  protected fixedFrameFilter(frame: HlsOutputFrame): string {
    if (this.kind === 'hardware') return this.scaleFilter(String(frame.height));
    const { width, height } = frame;
    return (
      `scale=w=${width}:h=${height}:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=bilinear:out_range=tv,` +
      `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`
    );
  }

  /**
   * The filter chain that scales to `height` (an expression that never upscales and keeps the
   * height even) and delivers 8-bit 4:2:0 to the encoder.
   */
  protected scaleFilter(height: string): string {
    // w=-2 keeps the aspect ratio with an even width, as 4:2:0 needs.
    // out_range=tv turns full-range (yuvj420p) cameras into the limited range players expect;
    // format=yuv420p turns 10-bit and 4:2:2 sources into 8-bit 4:2:0.
    // Bilinear: a viewing copy at most 720 lines tall shows no difference, and it costs a
    // third of bicubic's time, which decides how many viewers a box can serve.
    return `scale=w=-2:h='${height}':flags=bilinear:out_range=tv,format=yuv420p`;
  }

  protected videoEncoderOptions(options: HlsTranscodeOptions): string[] {
    return [
      '-c:v',
      'libx264',
      '-preset',
      options.preset,
      ...rateControlOptions(options.rate ?? DEFAULT_RATE_CONTROL),
      // High is the ceiling; ultrafast only uses Constrained Baseline tools, which every browser plays.
      '-profile:v',
      'high',
      '-level:v',
      '4.1',
      '-pix_fmt',
      'yuv420p',
      // One encoder thread: ultrafast at 720p is never the bottleneck (decoding is), and
      // without frame threads the first segment comes out a few frames sooner.
      '-threads',
      '1',
    ];
  }

  /**
   * A keyframe on every segment boundary and nowhere else. Every encoder here honours forced
   * keyframes (ffmpeg marks the frame as I, and x264, VAAPI, V4L2 and Rockchip MPP make it an
   * IDR; NVENC, QSV and AMF do with their forced-IDR option); what differs per encoder is how
   * its own periodic and scene-cut keyframes are turned off (noPeriodicKeyframeOptions).
   */
  protected keyframeOptions(options: HlsTranscodeOptions): string[] {
    const keyframeTimes = options.keyframeTimes.map((time) => outputTime(options, time));
    return [...forcedKeyframeOptions({ keyframeTimes }), ...this.noPeriodicKeyframeOptions()];
  }

  protected noPeriodicKeyframeOptions(): string[] {
    return ['-sc_threshold', '0', '-g', String(NO_PERIODIC_KEYFRAMES_GOP)];
  }

  protected audioEncoderOptions(options: HlsTranscodeOptions): string[] {
    if (options.noAudio) return [];
    // (The MPEG-TS muxer puts the ADTS headers on a copied AAC stream itself.)
    if (options.audioCopy) return ['-c:a', 'copy'];
    const audio = options.audio;
    const filters = [
      ...(options.audioStartSeconds ? [`atrim=start=${formatSeconds(options.audioStartSeconds)}`] : []),
      // To the session's rate, and to the timestamps: a recording's audio may run a moment past
      // the next file's start (or stop short of it); async fills or trims there, where a plain
      // resample would hand the encoder audio that goes back in time.
      ...(audio ? [`aresample=${audio.sampleRate}:async=1`] : []),
    ];
    return [
      '-c:a',
      'aac',
      '-b:a',
      audio ? `${audio.bitrateKbps}k` : '96k',
      ...(audio ? ['-ac', String(audio.channels)] : []),
      ...(filters.length ? ['-af', filters.join(',')] : []),
      ...(options.dropAudioPriming ? ['-bsf:a', 'noise=drop=eq(n\\,0)'] : []),
    ];
  }

  /** `withProgress`: whether this output carries the run's -progress (a global option, given once). */
  protected segmentOutputOptions(options: HlsTranscodeOptions, withProgress = true): string[] {
    return [
      '-f',
      'segment',
      '-segment_format',
      'mpegts',
      ...segmentCutOptions(options),
      '-segment_start_number',
      String(options.startNumber ?? 0),
      // Each finished (closed) segment is announced on a pipe: readiness is an event, not a poll.
      '-segment_list',
      `pipe:${options.segmentListFd}`,
      '-segment_list_type',
      'csv',
      ...(withProgress ? ['-progress', `pipe:${options.progressFd}`] : []),
      `${options.outputDir}/${options.segmentFilePrefix ?? DEFAULT_SEGMENT_PREFIX}%05d.ts`,
    ];
  }
}

/**
 * Where the segment muxer cuts. An encoded run: at every keyframe, as the only keyframes are the
 * forced ones on the segment grid, so the grid (not the muxer's own clock, which a mid-range run
 * would confuse) decides. A copied run has the source's keyframes, more than the plan's cuts: it
 * cuts at the first keyframe at or after each planned cut (times as the muxer sees them, with the
 * run's output offset), and nowhere else.
 */
function segmentCutOptions(options: HlsTranscodeOptions): string[] {
  if (options.video?.mode !== 'copy') return ['-segment_time', '0.001'];
  if (options.keyframeTimes.length === 0) return ['-segment_time', String(NO_PERIODIC_KEYFRAMES_GOP)];
  const offset = options.outputOffsetSeconds ?? 0;
  return ['-segment_times', options.keyframeTimes.map((time) => formatSeconds(time + offset)).join(',')];
}

/**
 * A fast run's filters, before the scaler: the frames it keeps (see HlsVideoPath's select), then
 * their times divided by the speed. `startSeconds` is where the run starts in its list (frames
 * before it are decoded, then trimmed). Commas inside the expression are escaped for the filter graph.
 */
export function fastFilters(video: HlsVideoPath | undefined, startSeconds = 0): string[] {
  if (video?.mode !== 'fast') return [];
  const filters: string[] = [];
  // Keyframes only: the decoder skips the others (-skip_frame nokey); this keeps a decoder that
  // ignores that (some hardware ones) from sending every frame on.
  if (video.keyframesOnly) filters.push("select='eq(key\\,1)'");
  if (video.select) {
    const slot = (time: string) => `floor((${time}+${video.select!.offsetSeconds.toFixed(9)})/${video.select!.stepSeconds.toFixed(9)})`;
    const start = formatSeconds(startSeconds);
    // Kept: the first frame of each slot, and the run's first frame from its start on (the plan
    // counts slots from the range's first frame, and from a segment's first frame, which the
    // frames decoded before the start must not hide).
    filters.push(`select='isnan(prev_t)+gt(${slot('t')}\\,${slot('prev_t')})+gte(t\\,${start})*lt(prev_t\\,${start})'`);
  }
  // In a fine time base first: setpts rounds PTS/N down to a whole tick, and a 1/15360 tick
  // divided by 32 would move a frame by 2 ms, past where the segment list is matched to the plan.
  filters.push('settb=1/90000', `setpts=PTS/${video.speed}`);
  return filters;
}

/** A time of the recordings as the output has it: divided by a fast run's speed. */
function outputTime(options: HlsTranscodeOptions, seconds: number): number {
  return options.video?.mode === 'fast' ? seconds / options.video.speed : seconds;
}

/**
 * libx264's rate control: the CRF, and with a cap, -maxrate and -bufsize (x264 needs both for its
 * VBV; a maxrate alone is ignored).
 */
export function rateControlOptions(rate: VideoRateControl): string[] {
  const capped = rate.maxrateKbps !== undefined && rate.bufsizeKbps !== undefined;
  return ['-crf', String(rate.crf), ...(capped ? ['-maxrate', `${rate.maxrateKbps}k`, '-bufsize', `${rate.bufsizeKbps}k`] : [])];
}

/**
 * The -force_key_frames option: a keyframe at each planned segment start after the run's first
 * (the first frame is always one), so each segment has its planned frames. The times are an
 * explicit list, as the plan follows the source's frame times rather than a fixed grid.
 */
export function forcedKeyframeOptions(options: Pick<HlsTranscodeOptions, 'keyframeTimes'>): string[] {
  if (options.keyframeTimes.length === 0) return [];
  return ['-force_key_frames', options.keyframeTimes.map((time) => formatSeconds(time)).join(',')];
}

/**
 * The output height as a filter expression: the source height capped at `maxHeight` (never an
 * upscale), made even. The comma is escaped for the filter-graph parser.
 */
export function outputHeightExpression(maxHeight: number): string {
  const height = Math.max(2, Math.floor(maxHeight / 2) * 2);
  return `trunc(min(ih\\,${height})/2)*2`;
}

/**
 * Seconds as ffmpeg reads them: plain decimal, microsecond precision (ffmpeg's own), no
 * exponent. Offsets and cuts sit between frames whose times are not whole milliseconds.
 */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`not a valid ffmpeg duration: ${seconds}`);
  }
  return seconds.toFixed(6).replace(/\.?0+$/, '') || '0';
}
