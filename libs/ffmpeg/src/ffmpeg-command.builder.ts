import { Injectable } from '@nestjs/common';

/** Everything needed to turn a concatenated recording range into H.264 HLS segments. */
export interface HlsTranscodeOptions {
  /** ffconcat list naming the recording files, in timeline order. */
  concatListPath: string;
  /** Seconds into the concatenated timeline where output starts (accurate: frames before it are decoded and dropped). */
  inputOffsetSeconds: number;
  /** Seconds of timeline to encode from the offset. */
  durationSeconds: number;
  /** Directory that receives the segment files. */
  outputDir: string;
  /** Target segment length; keyframes are forced on this grid so segments really have it. */
  segmentDurationSeconds: number;
  /** Length of the run's first segment, when it differs (the grid then continues from its end). */
  firstSegmentSeconds?: number;
  /** Output is scaled down to at most this height, never up. */
  maxHeight: number;
  /** x264 preset. */
  preset: string;
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
  /** Segment files are named `<prefix>%05d.ts`; a prefix per run keeps runs from overwriting each other. */
  segmentFilePrefix?: string;
  /** File descriptor ffmpeg writes its finished-segment list to (CSV: name,start,end). */
  segmentListFd: number;
  /** File descriptor ffmpeg writes `-progress` key=value blocks to. */
  progressFd: number;
}

/** Default segment file prefix: seg_00000.ts, seg_00001.ts, … */
export const DEFAULT_SEGMENT_PREFIX = 'seg_';

/**
 * x264's own periodic keyframes are pushed out of reach (in frames), so the only keyframes are
 * the forced ones on the segment grid: the segment muxer of a run that starts mid-range cuts
 * at every keyframe, and must only find grid ones.
 */
export const NO_PERIODIC_KEYFRAMES_GOP = 100000;

/**
 * Pure: options in, argv out. Never a shell string.
 *
 * The argv is built from hooks (input, filter, video encoder, audio, output) so that an
 * accelerator-specific builder can override only the part that differs.
 */
@Injectable()
export class FfmpegCommandBuilder {
  buildHlsTranscode(options: HlsTranscodeOptions): string[] {
    return [
      ...this.globalOptions(),
      ...this.inputOptions(options),
      ...this.streamMapping(),
      ...this.videoFilterOptions(options),
      ...this.videoEncoderOptions(options),
      ...this.keyframeOptions(options),
      ...this.audioEncoderOptions(options),
      ...this.segmentOutputOptions(options),
    ];
  }

  /** argv that only checks that the binary runs. */
  buildVersionProbe(): string[] {
    return ['-hide_banner', '-version'];
  }

  protected globalOptions(): string[] {
    // -nostdin: ffmpeg must never read (or wait on) a terminal.
    // -loglevel warning: stderr carries the lines worth showing when something fails.
    return ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats'];
  }

  protected inputOptions(options: HlsTranscodeOptions): string[] {
    return [
      // Only local files may be opened, whatever a recording or list file says.
      '-protocol_whitelist',
      'file',
      '-f',
      'concat',
      // The list holds absolute paths into the recordings directory, which "safe" mode rejects.
      '-safe',
      '0',
      // Input -ss on the concat demuxer seeks to the keyframe before and drops decoded frames up to it.
      '-ss',
      formatSeconds(options.inputOffsetSeconds),
      '-i',
      options.concatListPath,
      // An output -t (not an input one): it cuts audio and video at the same point, where an
      // input -t leaves the audio encoder's tail as a stray one-frame segment at the end.
      '-t',
      formatSeconds(options.durationSeconds),
      ...(options.outputOffsetSeconds ? ['-output_ts_offset', formatSeconds(options.outputOffsetSeconds)] : []),
    ];
  }

  protected streamMapping(): string[] {
    // The "?" makes audio optional: cameras without a microphone still transcode.
    return ['-map', '0:v:0', '-map', '0:a:0?', '-sn', '-dn'];
  }

  protected videoFilterOptions(options: HlsTranscodeOptions): string[] {
    const height = Math.max(2, Math.floor(options.maxHeight / 2) * 2);
    // min(ih, max): never upscale; trunc(../2)*2 and w=-2 keep both dimensions even, as 4:2:0 needs.
    // out_range=tv turns full-range (yuvj420p) cameras into the limited range players expect;
    // format=yuv420p turns 10-bit and 4:2:2 sources into 8-bit 4:2:0.
    // Bilinear: a viewing copy at most 720 lines tall shows no difference, and it costs a
    // third of bicubic's time, which decides how many viewers a box can serve.
    const scale = `scale=w=-2:h='trunc(min(ih\\,${height})/2)*2':flags=bilinear:out_range=tv`;
    return ['-vf', `${scale},format=yuv420p`];
  }

  protected videoEncoderOptions(options: HlsTranscodeOptions): string[] {
    return [
      '-c:v',
      'libx264',
      '-preset',
      options.preset,
      '-crf',
      '23',
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

  protected keyframeOptions(options: HlsTranscodeOptions): string[] {
    const step = formatSeconds(options.segmentDurationSeconds);
    const first = formatSeconds(options.firstSegmentSeconds ?? options.segmentDurationSeconds);
    return [
      // A keyframe on every segment boundary (the first at `first`, then every `step`), so
      // each segment has its planned length (without this, segments follow x264's GOP: 16.7 s
      // at 15 fps). The next boundary is counted from the last forced keyframe, not from how
      // many there were: after a hole in the timestamps, `gte(t,n_forced*S)` would force every
      // frame until it caught up.
      '-force_key_frames',
      `expr:gte(t,if(isnan(prev_forced_t),0,if(lt(prev_forced_t,${first}-0.001),${first},${first}+(trunc((prev_forced_t-${first})/${step}+0.001)+1)*${step})))`,
      // No other keyframes: no scene cuts, no periodic ones.
      '-sc_threshold',
      '0',
      '-g',
      String(NO_PERIODIC_KEYFRAMES_GOP),
    ];
  }

  protected audioEncoderOptions(options: HlsTranscodeOptions): string[] {
    return [
      '-c:a',
      'aac',
      '-b:a',
      '96k',
      ...(options.dropAudioPriming ? ['-bsf:a', 'noise=drop=eq(n\\,0)'] : []),
    ];
  }

  protected segmentOutputOptions(options: HlsTranscodeOptions): string[] {
    return [
      '-f',
      'segment',
      '-segment_format',
      'mpegts',
      // Cut at every keyframe: the only keyframes are the forced ones on the segment grid, so
      // the grid (not the muxer's own clock, which a mid-range run would confuse) decides.
      '-segment_time',
      '0.001',
      '-segment_start_number',
      String(options.startNumber ?? 0),
      // Each finished (closed) segment is announced on a pipe: readiness is an event, not a poll.
      '-segment_list',
      `pipe:${options.segmentListFd}`,
      '-segment_list_type',
      'csv',
      '-progress',
      `pipe:${options.progressFd}`,
      `${options.outputDir}/${options.segmentFilePrefix ?? DEFAULT_SEGMENT_PREFIX}%05d.ts`,
    ];
  }
}

/** Seconds as ffmpeg reads them: plain decimal, millisecond precision, no exponent. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`not a valid ffmpeg duration: ${seconds}`);
  }
  return (Math.round(seconds * 1000) / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
}
