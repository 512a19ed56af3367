/**
 * Where a session's frames are on the camera's clock, against where its playlist says they are:
 * each output frame (ffprobe's packet times) is found among the recordings' own frames on
 * Frigate's timeline, and its camera time (its file's name plus its time in the file) is compared
 * with its segment's PROGRAM-DATE-TIME plus its offset in the segment.
 */
import { packetTimes } from './ffprobe';
import { SourceFile, frigatePieces } from './source-frames';

/** One segment of a media playlist, fetched: its PROGRAM-DATE-TIME (epoch s), EXTINF and file. */
export interface FetchedSegment {
  wallClock: number;
  durationSeconds: number;
  path: string;
}

/** What was found for one segment (seconds; errors are camera time less where the playlist puts it). */
export interface SegmentClock {
  segment: number;
  /** Its first frame's camera time less its PROGRAM-DATE-TIME. */
  firstFrameError: number;
  /** The largest error of any of its frames. */
  worstError: number;
  /** Seconds of recordings from its first frame to the next segment's, less its EXTINF (times the speed). */
  lengthError: number;
  /** Its last frame lies before its end (PROGRAM-DATE-TIME plus EXTINF), and the next segment begins with the frame after it. */
  endsWhereExtinfSays: boolean;
  /** Output frames not found among the recordings' (none when every frame is the camera's). */
  unknownFrames: number;
}

/** A recording frame on Frigate's timeline: where the player shows it (recordings' seconds) and its camera time. */
interface TimelineFrame {
  at: number;
  cameraTime: number;
}

/** The frames Frigate's timeline shows for [start, end), in order (each file from its in point, for its duration). */
function timelineFrames(sources: SourceFile[], start: number, end: number): TimelineFrame[] {
  const frames: TimelineFrame[] = [];
  for (const piece of frigatePieces(sources, start, end)) {
    for (const time of piece.file.frames) {
      if (time < piece.inpoint - 1e-6 || time >= piece.inpoint + piece.duration - 1e-6) continue;
      frames.push({ at: piece.offset + time - piece.inpoint, cameraTime: piece.file.startTime + time });
    }
  }
  return frames;
}

/**
 * Each segment's frames against the camera's clock. Output time is mapped to the timeline from
 * the first segment's first frame, the first recording frame at or after its PROGRAM-DATE-TIME;
 * a fast rendition's output seconds are `speed` seconds of recordings. An encoded session's first
 * segment starts at the range's start, maybe a moment before its first frame; a copied or fast
 * one's at its first frame (`startsAtFirstFrame`).
 */
export async function segmentClocks(
  sources: SourceFile[],
  range: { start: number; end: number },
  segments: FetchedSegment[],
  { speed = 1, startsAtFirstFrame = false }: { speed?: number; startsAtFirstFrame?: boolean } = {},
): Promise<SegmentClock[]> {
  const frames = timelineFrames(sources, range.start, range.end);
  const outputs = await Promise.all(segments.map(async (segment) => [...(await packetTimes(segment.path, 'v'))].sort((a, b) => a - b)));
  const origin = frames.find((frame) => frame.cameraTime >= segments[0].wallClock - 0.001)!;
  const outputOrigin = outputs[0][0];
  // setpts divides a fast run's times in a 90 kHz time base: a tick is 11 µs of output.
  const sameFrame = 0.002 * speed;
  /** The index of the recording frame an output time shows, or -1. */
  const find = (output: number) => {
    const at = origin.at + (output - outputOrigin) * speed;
    let low = 0;
    let high = frames.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (frames[middle].at < at - sameFrame) low = middle + 1;
      else high = middle;
    }
    return Math.abs(frames[low].at - at) <= sameFrame ? low : -1;
  };
  return segments.map((segment, i) => {
    const found = outputs[i].map(find);
    const known = found.filter((index) => index >= 0).map((index) => frames[index]);
    const startAt = i > 0 || startsAtFirstFrame ? known[0].at : 0;
    const errors = known.map((frame) => frame.cameraTime - (segment.wallClock + (frame.at - startAt)));
    const last = found[found.length - 1];
    const next = i + 1 < segments.length ? find(outputs[i + 1][0]) : -1;
    const end = startAt + segment.durationSeconds * speed;
    // A fast rendition drops frames between its segments as inside them: the next one's first only comes later.
    const followed = i + 1 === segments.length || (speed === 1 ? next === last + 1 : next > last);
    return {
      segment: i,
      firstFrameError: known[0].cameraTime - segment.wallClock,
      worstError: Math.max(...errors.map(Math.abs)),
      lengthError: next >= 0 ? frames[next].at - end : 0,
      endsWhereExtinfSays: last >= 0 && frames[last].at < end && followed,
      unknownFrames: found.filter((index) => index < 0).length,
    };
  });
}

/** Frames a second of the first recording. */
function frameRateOf(sources: SourceFile[]): number {
  const frames = sources.find((source) => source.frames.length > 1)!.frames;
  return (frames.length - 1) / (frames[frames.length - 1] - frames[0]);
}

/**
 * The promise, segment by segment: its first frame is at its PROGRAM-DATE-TIME (an encoded
 * session's first segment, which starts at the range's start, within a frame after it); every
 * frame at PROGRAM-DATE-TIME plus its offset within half a frame (half an output frame at N×:
 * N/15 s of recordings apart); the next segment starts where its EXTINF ends (within a
 * millisecond of output: EXTINF is the difference of two times rounded to the millisecond) with
 * the frame after its last; every frame is one the camera recorded.
 */
export function expectOnTheCameraClock(clocks: SegmentClock[], sources: SourceFile[], speed = 1): void {
  const sourceRate = frameRateOf(sources);
  const frame = 1 / sourceRate;
  const halfOutputFrame = speed === 1 ? frame / 2 : speed / Math.min(15, sourceRate) / 2;
  // PROGRAM-DATE-TIME has milliseconds; EXTINF milliseconds of output.
  const written = 0.0015;
  const wrong = clocks.filter((clock) => {
    const firstFrame =
      clock.segment === 0 && speed === 1
        ? clock.firstFrameError >= -written && clock.firstFrameError < frame + written
        : Math.abs(clock.firstFrameError) <= written;
    return (
      !firstFrame ||
      clock.worstError > halfOutputFrame + written ||
      Math.abs(clock.lengthError) > 0.001 * speed + 1e-4 ||
      !clock.endsWhereExtinfSays ||
      clock.unknownFrames > 0
    );
  });
  expect({ segments: clocks.length, wrong }).toEqual({ segments: clocks.length, wrong: [] });
}
