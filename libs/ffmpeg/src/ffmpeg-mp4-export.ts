import { FFMPEG_GLOBAL_OPTIONS } from './ffmpeg-command.builder';
/** What one MP4 export muxes: a session's segments, H.264 (and AAC) MPEG-TS, written in order to ffmpeg's stdin. */
export interface Mp4ExportOptions {
  outputPath: string;
  /** Wall-clock time of the first frame; the MP4 keeps whole seconds (mvhd). */
  creationTime: Date;
  /** Whether the segments may carry audio (ADTS AAC, which MP4 stores without the ADTS headers). */
  audio: boolean;
}

/**
 * Pure: options in, argv out. A remux only: the segments are already browser H.264 (and AAC),
 * so they are copied, never encoded again.
 */
export function buildMp4ExportArgs(options: Mp4ExportOptions): string[] {
  return [
    ...FFMPEG_GLOBAL_OPTIONS,
    // The input is the segments' bytes on stdin (consecutive parts of one timestamp line, so one
    // MPEG-TS stream), never a copy of them on disk; only MPEG-TS, and nothing else may be opened
    // or demuxed, whatever its bytes say.
    '-protocol_whitelist',
    'pipe',
    '-format_whitelist',
    'mpegts',
    '-f',
    'mpegts',
    '-i',
    'pipe:0',
    // The segments' one video and audio track, nothing else the TS may carry. The audio map is
    // optional ("?"): a session whose format was not known yet is exported with its audio if any.
    '-map',
    '0:v:0',
    ...(options.audio ? ['-map', '0:a:0?'] : []),
    '-c',
    'copy',
    ...(options.audio ? ['-bsf:a', 'aac_adtstoasc'] : []),
    // The index (moov) before the media: the file plays while it downloads, and anywhere. ffmpeg
    // moves it there in place (shifting the media up), so the file never takes more than its size.
    '-movflags',
    '+faststart',
    '-metadata',
    `creation_time=${options.creationTime.toISOString()}`,
    '-f',
    'mp4',
    options.outputPath,
  ];
}
