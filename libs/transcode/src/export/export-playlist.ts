import { parse, setOptions, types } from 'hls-parser';
import { SEGMENT_FILE_NAME_REGEX } from '../hls/hls-names';

// hls-parser reports spec deviations on the console; an unusable playlist is reported here instead.
setOptions({ silent: true });

/** One segment of the session, as the export asks for it. */
export interface ExportSegment {
  /** The segment's file name in the session (seg_NNNNN.ts), without any query. */
  fileName: string;
  durationSeconds: number;
}

/** What an export of a session copies, in order, and the wall-clock time it starts at. */
export interface ExportPlan {
  segments: ExportSegment[];
  /** The first frame's wall clock: the first segment's EXT-X-PROGRAM-DATE-TIME. */
  firstFrameTime: Date;
  durationSeconds: number;
}

/**
 * Pure: the export plan from a session's VOD playlist (parsed with hls-parser). Segment URIs may
 * carry a stream token's query; only the file name is kept, and it must be a segment's name.
 */
export function exportPlanFromPlaylist(text: string): ExportPlan {
  const playlist = parse(text);
  if (playlist.isMasterPlaylist) throw new Error('expected a media playlist, got a master playlist');
  const segments = (playlist as types.MediaPlaylist).segments.map((segment) => {
    const fileName = segment.uri.split('?')[0];
    if (!SEGMENT_FILE_NAME_REGEX.test(fileName)) throw new Error(`not a segment name in the playlist: ${segment.uri}`);
    return { fileName, durationSeconds: segment.duration };
  });
  const firstFrameTime = (playlist as types.MediaPlaylist).segments[0]?.programDateTime;
  if (!segments.length || !firstFrameTime) throw new Error('the playlist has no segments with a PROGRAM-DATE-TIME');
  return { segments, firstFrameTime, durationSeconds: segments.reduce((sum, segment) => sum + segment.durationSeconds, 0) };
}
