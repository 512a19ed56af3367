import { Observable, Subject } from 'rxjs';
import type { FfmpegProgress, SupervisedProcess } from '@app/ffmpeg';
import type { RecordingTimeline } from '@app/recordings';
import type { PlaylistSegment } from './media-playlist';

/**
 * starting: ffmpeg launched, no segment yet; encoding: segments coming; complete: the whole
 * range is transcoded; failed: ffmpeg died; stopped: deleted or expired.
 */
export type TranscodeSessionState = 'starting' | 'encoding' | 'complete' | 'failed' | 'stopped';

/** The live state of one transcode: one camera, one range, one folder, at most one ffmpeg. */
export class TranscodeSession {
  state: TranscodeSessionState = 'starting';
  lastAccessAt: number;
  process: SupervisedProcess | null = null;
  progress: FfmpegProgress | null = null;
  /** Resolves once the first segment is playable; rejects with the HTTP error to answer. */
  ready!: Promise<void>;
  private readonly finished: PlaylistSegment[] = [];
  private readonly finishedNames = new Set<string>();
  private readonly segmentAdded = new Subject<PlaylistSegment>();

  constructor(
    readonly id: string,
    readonly camera: string,
    readonly start: number,
    readonly end: number,
    readonly timeline: RecordingTimeline,
    readonly createdAt: number,
  ) {
    this.lastAccessAt = createdAt;
  }

  /** True while a create, playlist or segment request may still be answered from this session. */
  get alive(): boolean {
    return this.state !== 'stopped' && this.state !== 'failed';
  }

  /** True while it holds an encoder slot. */
  get holdsEncoderSlot(): boolean {
    return this.state === 'starting' || this.state === 'encoding';
  }

  get segments(): readonly PlaylistSegment[] {
    return this.finished;
  }

  get segmentAdded$(): Observable<PlaylistSegment> {
    return this.segmentAdded.asObservable();
  }

  touch(now: number): void {
    this.lastAccessAt = Math.max(this.lastAccessAt, now);
  }

  hasSegment(fileName: string): boolean {
    return this.finishedNames.has(fileName);
  }

  addSegment(segment: PlaylistSegment): void {
    if (this.finishedNames.has(segment.fileName)) return;
    this.finished.push(segment);
    this.finishedNames.add(segment.fileName);
    if (this.state === 'starting') this.state = 'encoding';
    this.segmentAdded.next(segment);
  }

  closeEvents(): void {
    this.segmentAdded.complete();
  }
}
