import type { LadderRung } from '../plan/quality-ladder';

/** AAC-LC, what every session's audio is (copied or encoded). */
export const AAC_LC_CODEC = 'mp4a.40.2';

/** What every rung of a session shares, for its master playlist. */
export interface LadderStreamOptions {
  /** RFC 6381 codec of the encoded video: EncoderSelector.videoCodec (every rung has the same encoder and settings). */
  videoCodec: string;
  /** Whether the segments carry audio. */
  audio: boolean;
  /** Frames a second of the source, when its header gave frame times (a rung keeps them all). */
  frameRate?: number;
  /** The URI of a rung's media playlist (relative, with the request's query if it needs one). */
  uri: (rung: LadderRung) => string;
}

/**
 * Pure: the EXT-X-STREAM-INF entry of each rung (its tag line, then its URI), in the rungs'
 * order. BANDWIDTH is the rung's peak (the VBV bound, audio and packaging included), so a player
 * that picks a rung by it keeps up; AVERAGE-BANDWIDTH its estimated average; RESOLUTION and CODECS
 * let hls.js and Safari pick and switch without probing.
 */
export function ladderStreamInfLines(rungs: readonly LadderRung[], options: LadderStreamOptions): string[] {
  const codecs = [options.videoCodec, ...(options.audio ? [AAC_LC_CODEC] : [])].join(',');
  return rungs.flatMap((rung) => {
    const attributes = [
      `BANDWIDTH=${rung.bandwidth}`,
      `AVERAGE-BANDWIDTH=${rung.averageBandwidth}`,
      `RESOLUTION=${rung.width}x${rung.height}`,
      ...(options.frameRate ? [`FRAME-RATE=${options.frameRate.toFixed(3)}`] : []),
      `CODECS="${codecs}"`,
    ];
    return [`#EXT-X-STREAM-INF:${attributes.join(',')}`, options.uri(rung)];
  });
}

/**
 * Pure: a master playlist of the rungs, as the front door's has the one rendition (version 3:
 * RFC 8216 ties neither AVERAGE-BANDWIDTH nor FRAME-RATE to a version). INDEPENDENT-SEGMENTS:
 * every segment of every rung starts on a keyframe forced at the same frame, so a player may
 * switch at any segment.
 */
export function renderLadderMasterPlaylist(rungs: readonly LadderRung[], options: LadderStreamOptions): string {
  return ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS', ...ladderStreamInfLines(rungs, options), ''].join('\n');
}
