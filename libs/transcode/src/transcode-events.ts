import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';

/** Why a session went away. */
export type SessionRemovalReason = 'stale' | 'deleted' | 'evicted' | 'failed' | 'shutdown';
/** Why a new session was refused. */
export type SessionRejectionReason = 'concurrency_limit' | 'rate_limit' | 'disk_full' | 'user_limit';

/** How a segment request that found its segment not yet made ended: answered, 504, another error, or its client went away. */
export type SegmentWaitOutcome = 'served' | 'timeout' | 'failed' | 'withdrawn';
/** Which of the node's HTTP servers answered: the app's (PORT, and the cluster's NODE_URL port) or the front door's (FRONT_DOOR_PORT). */
export type HttpDoor = 'app' | 'front_door';

/** What happens to sessions and their encoders, for metrics and anything else that listens. */
export type TranscodeEvent =
  /** A session was created on this node (a new one, or one taken over from a node that died). */
  | { type: 'session-started'; sessionId: string; camera: string; start: number; end: number; durationSeconds: number }
  /** An ffmpeg run started (`restart`: not the session's first run). */
  | { type: 'encoder-started'; sessionId: string; encoder: string; restart: boolean }
  /** An ffmpeg run ended with an error it was not asked to stop for. */
  | { type: 'encoder-failed'; sessionId: string; encoder: string }
  /** A session's first segment became playable this long after its first segment request (the create's own, for the API). */
  | { type: 'first-segment'; sessionId: string; seconds: number }
  /** How fast a running encoder works, relative to real time (between two progress reports). */
  | { type: 'encode-speed'; sessionId: string; speed: number }
  | { type: 'session-rejected'; reason: SessionRejectionReason }
  /** A request was answered by proxying it to the node that runs its session. */
  | { type: 'request-proxied'; sessionId?: string }
  /** This node took over the session of a node that died. */
  | { type: 'session-taken-over'; sessionId: string }
  | { type: 'session-removed'; sessionId: string; reason: SessionRemovalReason }
  /** A segment request waited this long for a segment that was not finished when asked. */
  | { type: 'segment-waited'; sessionId: string; seconds: number; outcome: SegmentWaitOutcome }
  /**
   * An HTTP request was answered with `status`, or cut before its answer was whole (`aborted`).
   * `path` has no query (stream tokens travel there).
   */
  | { type: 'http-answered'; door: HttpDoor; method: string; path: string; status: number | 'aborted' };

/** The stream of TranscodeEvents: published by the session and encoder services, read by metrics. */
@Injectable()
export class TranscodeEvents {
  private readonly subject = new Subject<TranscodeEvent>();

  get events$(): Observable<TranscodeEvent> {
    return this.subject.asObservable();
  }

  publish(event: TranscodeEvent): void {
    this.subject.next(event);
  }
}
