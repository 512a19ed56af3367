/** One recording file of one camera. */
export interface RecordingFile {
  camera: string;
  /** Absolute path of the file. */
  path: string;
  /** Wall-clock start, epoch seconds (UTC). */
  startTime: number;
  durationSeconds: number;
}

/** Where recordings come from: Frigate's folder layout today, its database or VOD later. */
export interface RecordingSource {
  /** Cameras that have recordings, sorted by name. */
  listCameras(): Promise<string[]>;
  /** Files of `camera` that overlap [start, end), sorted by start time. */
  findRecordings(camera: string, start: number, end: number): Promise<RecordingFile[]>;
  /** Throws with a readable message when the source cannot be read. */
  checkReadable(): Promise<void>;
}

/** Injection token of the configured RecordingSource. */
export const RECORDING_SOURCE = Symbol('RECORDING_SOURCE');
