import type { Mp4Track } from './mp4-track.parser';
import type { UnreadableVerdict } from './unreadable-recording.error';

/** What a recording's header says about its first video and audio tracks (frame times included). */
export interface RecordingMedia {
  video?: Mp4Track;
  audio?: Mp4Track;
}

/** One recording file of one camera (or, from an upstream HLS source, one segment of its stream). */
export interface RecordingFile {
  camera: string;
  /** Absolute path of the file, or the absolute http(s) URL of an upstream segment. */
  path: string;
  /** For an upstream fMP4 segment: the URL of its initialization section (EXT-X-MAP). */
  initSegmentUri?: string;
  /** Wall-clock start, epoch seconds (UTC). */
  startTime: number;
  durationSeconds: number;
  /** Its tracks and frame times, where its header was read (local files). */
  media?: RecordingMedia;
}

/** A stretch of time a camera has recorded. */
export interface RecordedPeriod {
  startTime: number;
  durationSeconds: number;
}

/** A recording whose header cannot be read, as a timeline names it. */
export interface UnreadableRecordingFile extends UnreadableVerdict {
  /** `day/hour/camera/file` (Frigate's layout), never the path on this server. */
  file: string;
  /** Wall-clock start from its name, epoch seconds (UTC). */
  startTime: number;
}

/** What a timeline shows of a window. */
export interface RecordedPeriods {
  periods: RecordedPeriod[];
  /** The files starting in the window that cannot be read: not in `periods`, and never played. */
  unreadable: UnreadableRecordingFile[];
}

/** Where recordings come from: Frigate's folders, its database, or its VOD stream. */
export interface RecordingSource {
  /** Cameras that have recordings, sorted by name. */
  listCameras(): Promise<string[]>;
  /** Files of `camera` that overlap [start, end), sorted by start time. */
  findRecordings(camera: string, start: number, end: number): Promise<RecordingFile[]>;
  /**
   * What a timeline shows: the recorded periods of `camera` overlapping [after, before), sorted
   * by start (a source whose recordings carry their wall-clock times returns them), and the
   * files starting in it whose headers it read and could not (a source that reads none names none).
   */
  findRecordedPeriods(camera: string, after: number, before: number): Promise<RecordedPeriods>;
  /**
   * The files with their tracks and frame times (`media`) where this source can read their
   * headers: what a range about to be played is planned from. Files it cannot describe are
   * returned as they are; files whose headers are unreadable are left out.
   */
  withMedia(files: readonly RecordingFile[]): Promise<RecordingFile[]>;
  /** Throws with a readable message when the source cannot be read. */
  checkReadable(): Promise<void>;
}

/** Injection token of the configured RecordingSource. */
export const RECORDING_SOURCE = Symbol('RECORDING_SOURCE');
