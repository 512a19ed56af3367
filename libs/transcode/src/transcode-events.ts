import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';

/** Why a session went away. */
export type SessionRemovalReason = 'stale' | 'deleted' | 'evicted' | 'failed' | 'shutdown';
/** Why a new session was refused. */
export type SessionRejectionReason = 'concurrency_limit' | 'rate_limit' | 'disk_full' | 'user_limit';

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
  | { type: 'session-removed'; sessionId: string; reason: SessionRemovalReason };

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
