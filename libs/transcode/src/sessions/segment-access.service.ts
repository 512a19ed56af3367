import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { segmentUri } from '../hls/hls-names';
import { viewerPositionMemoryMs } from '../policy/idleness';
import { SegmentWaitOutcome, TranscodeEvents } from '../transcode-events';
import { FirstSegmentTimeoutException, RequestWithdrawnException, SegmentNotFoundException, SessionNotFoundException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { SessionTable } from './session-table';
import type { TranscodeSession } from './transcode-session';

/**
 * A live session's segments, asked for: at once when finished, else once its driver has had
 * them made. Every request marks the session accessed and says where a viewer is; a session's
 * first requests make it 'starting', then 'active' (its time to first segment).
 */
@Injectable()
export class SegmentAccess {
  /** The first segment requests of sessions not yet active: when the first came, and how many wait. */
  private readonly firstRequests = new WeakMap<TranscodeSession, { askedAt: number; waiting: number }>();
  private readonly positionMemoryMs: number;

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) options: TranscodeModuleOptions,
    private readonly table: SessionTable,
    private readonly clock: Clock,
    private readonly events: TranscodeEvents,
  ) {
    this.positionMemoryMs = viewerPositionMemoryMs(options.idleTimeoutSeconds * 1000);
  }

  /** A live session, marked as just accessed; 404 when unknown or gone. */
  access(sessionId: string): TranscodeSession {
    const session = this.table.get(sessionId)?.session;
    if (!session || !session.alive) throw new SessionNotFoundException();
    session.touch(this.clock.now());
    return session;
  }

  /** The camera of a live session of this node, or undefined (nothing recorded). */
  cameraOf(sessionId: string): string | undefined {
    const session = this.table.get(sessionId)?.session;
    return session?.alive ? session.camera : undefined;
  }

  /**
   * The file of segment `index`, once it is finished: at once when it is, otherwise when the
   * session's scheduler has had it made. `signal` aborts when the client goes away: the request
   * is withdrawn and steers nothing.
   */
  async segmentFile(session: TranscodeSession, index: number, signal?: AbortSignal): Promise<string> {
    if (!Number.isInteger(index) || index < 0 || index >= session.segments.length) {
      throw new SegmentNotFoundException(segmentUri(index));
    }
    const entry = this.table.get(session.id);
    if (!session.alive || !entry || entry.session !== session) throw new SessionNotFoundException();
    const askedAt = this.clock.now();
    session.noteRequest(index, askedAt, this.positionMemoryMs);
    // A session opened without waiting (the front door's playlists) may be asked for a segment
    // while its folder is still being made: no run starts before it is there.
    if (!session.hasFolder) {
      await session.folderMade;
      if (!session.alive) throw new SessionNotFoundException();
    }
    const ask = () => this.timedWait(session.id, askedAt, entry.driver.segment(index, signal));
    if (session.state !== 'opened' && session.state !== 'starting') return ask();
    return this.firstSegment(session, askedAt, ask);
  }

  /**
   * A segment the driver had to have made (it answered with a promise, not the finished file):
   * how long its request waited, from when it was asked, and how that ended.
   */
  private timedWait(sessionId: string, askedAt: number, answer: string | Promise<string>): string | Promise<string> {
    if (typeof answer === 'string') return answer;
    const waited = (outcome: SegmentWaitOutcome) =>
      this.events.publish({ type: 'segment-waited', sessionId, seconds: (this.clock.now() - askedAt) / 1000, outcome });
    return answer.then(
      (file) => {
        waited('served');
        return file;
      },
      (error: unknown) => {
        waited(segmentWaitOutcomeOf(error));
        throw error;
      },
    );
  }

  /**
   * The file of segment `index` of a live session when it is finished, with its size as listed,
   * else undefined; a request all the same (it says where a viewer is, and marks the session
   * accessed). Synchronous: the fast path's lookup.
   */
  readySegment(sessionId: string, index: number): { dirId: string; fileName: string; size: number } | undefined {
    const entry = this.table.get(sessionId);
    const session = entry?.session;
    const fileName = session?.readyFile(index);
    if (!entry || !session || !fileName || !session.alive) return undefined;
    const now = this.clock.now();
    session.touch(now);
    session.noteRequest(index, now, this.positionMemoryMs);
    entry.driver.segment(index);
    return { dirId: session.dirOf(index), fileName, size: session.readySize(index) };
  }

  /**
   * A segment request of a session that has served none yet: the first makes it 'starting' (its
   * run starts where that request asks), the first answered makes it 'active' and is its time to
   * first segment, counted from the first request. When every one of them has failed or been
   * withdrawn with no segment made, it is 'opened' again: the next request is its first.
   */
  private async firstSegment(session: TranscodeSession, askedAt: number, request: () => string | Promise<string>): Promise<string> {
    let first = this.firstRequests.get(session);
    if (session.state === 'opened' || !first) {
      first = { askedAt, waiting: 0 };
      this.firstRequests.set(session, first);
      session.beginFirstRequest();
    }
    first.waiting += 1;
    try {
      const file = await request();
      if (session.firstSegmentServed()) {
        this.events.publish({ type: 'first-segment', sessionId: session.id, seconds: (this.clock.now() - first.askedAt) / 1000 });
      }
      return file;
    } finally {
      first.waiting -= 1;
      if (first.waiting === 0) session.firstRequestsGone();
    }
  }
}

/** Pure: how a segment wait that failed ended, from its error's class. */
export function segmentWaitOutcomeOf(error: unknown): Exclude<SegmentWaitOutcome, 'served'> {
  if (error instanceof RequestWithdrawnException) return 'withdrawn';
  if (error instanceof FirstSegmentTimeoutException) return 'timeout';
  return 'failed';
}
