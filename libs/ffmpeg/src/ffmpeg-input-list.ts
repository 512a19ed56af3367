import { stringify, types } from 'hls-parser';
import { ConcatListEntry, buildConcatList } from './ffmpeg-concat-list';

/** One piece of what an encoder run reads: a recording file, or a segment of an upstream HLS stream. */
export interface InputListEntry extends ConcatListEntry {
  /** For upstream fMP4 segments: the URL of their initialization section (EXT-X-MAP). */
  initSegmentUri?: string;
}

/** How ffmpeg reads a run's input list. */
export type InputListFormat = 'concat' | 'hls';

/** The text of a run's input list, the demuxer that reads it, and the protocols it may open. */
export interface InputList {
  format: InputListFormat;
  text: string;
  /** ffmpeg's -protocol_whitelist: `file` for the list itself, plus what its entries need. */
  protocols: string[];
  /** Seconds of the list to drop before output starts (HlsTranscodeOptions.seekSeconds). */
  seekSeconds: number;
}

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Pure: the list ffmpeg reads for a run that starts `startOffsetSeconds` into its first entry.
 * Local files go into an ffconcat list (the concat demuxer's `duration` lines collapse the gaps
 * between recordings) whose first file has its in point there; segments of an upstream HLS
 * stream go into an HLS media playlist of absolute URLs, so the HLS demuxer fetches them with
 * their initialization section, and the offset is dropped by an output seek. The protocol
 * whitelist names only what the entries use.
 */
export function buildInputList(entries: readonly InputListEntry[], startOffsetSeconds = 0): InputList {
  const schemes = new Set(entries.map((entry) => URL_SCHEME.exec(entry.path)?.[1].toLowerCase() ?? 'file'));
  if (schemes.size > 1) throw new Error(`an input list mixes ${[...schemes].join(' and ')} entries`);
  const scheme = [...schemes][0] ?? 'file';
  if (scheme === 'file') {
    // Every file gets an in point (the run's start in the first, 0 in the others), so each maps
    // its own time t to (where it starts on the timeline) + t, whichever run reads it: without
    // one, the concat demuxer maps the file's earliest packet (an audio priming frame, say) there.
    const withInpoints = entries.map((entry, index) => {
      const inpoint = index === 0 ? startOffsetSeconds : 0;
      return { ...entry, inpointSeconds: inpoint, durationSeconds: entry.durationSeconds - inpoint };
    });
    return { format: 'concat', text: buildConcatList(withInpoints), protocols: ['file'], seekSeconds: 0 };
  }
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`unsupported input URL scheme: ${scheme}`);
  return {
    format: 'hls',
    text: buildHlsInputPlaylist(entries),
    // https runs over tls over tcp; http over tcp. Nothing else (no crypto, data, subfile, …).
    protocols: scheme === 'https' ? ['file', 'https', 'tls', 'tcp'] : ['file', 'http', 'tcp'],
    seekSeconds: startOffsetSeconds,
  };
}

/** Pure: a VOD media playlist of the entries' absolute URLs (EXT-X-MAP where they have one). */
export function buildHlsInputPlaylist(entries: readonly InputListEntry[]): string {
  const segments = entries.map((entry, index) => {
    if (/[\r\n"]/.test(entry.path) || /[\r\n"]/.test(entry.initSegmentUri ?? '')) {
      throw new Error(`segment URL contains a line break or quote: ${JSON.stringify(entry.path)}`);
    }
    return new types.Segment({
      uri: entry.path,
      duration: entry.durationSeconds,
      mediaSequenceNumber: index,
      discontinuitySequence: 0,
      map: entry.initSegmentUri ? new types.MediaInitializationSection({ uri: entry.initSegmentUri }) : undefined,
    });
  });
  const playlist = new types.MediaPlaylist({
    version: 7,
    targetDuration: Math.max(1, ...entries.map((entry) => Math.ceil(entry.durationSeconds))),
    playlistType: 'VOD',
    endlist: true,
    segments,
  });
  return stringify(playlist) + '\n';
}
