import { Inject, Injectable } from '@nestjs/common';
import type { OpenOptions, RoutedSession, RoutedSessionSummary, SessionSnapshot, StreamFile } from '../model/session-views';
import { SessionStreamFiles } from '../sessions/session-stream-files.service';
import { SESSION_ENGINE, SessionEngine } from './session-engine';
import { SessionRouting } from './session-routing';

/** One node: every session is this node's engine's. */
@Injectable()
export class LocalSessionRouting implements SessionRouting {
  constructor(
    @Inject(SESSION_ENGINE) private readonly engine: SessionEngine,
    private readonly files: SessionStreamFiles,
  ) {}

  async open(camera: string, start: number, end: number, requester?: string, options?: OpenOptions): Promise<RoutedSession> {
    return routed(await this.engine.open(camera, start, end, requester, options));
  }

  async describe(sessionId: string): Promise<RoutedSession | null> {
    const session = this.engine.localSession(sessionId);
    return session ? routed(session) : null;
  }

  /**
   * The playlist or a segment of a session of this node's engine. Only segments ffmpeg has
   * announced as finished are served: never a half-written file, never one left by an earlier run.
   */
  async streamFile(sessionId: string, fileName: string, segmentQuery?: string, signal?: AbortSignal): Promise<StreamFile> {
    return this.files.streamFile(sessionId, fileName, segmentQuery, signal);
  }

  async remove(sessionId: string): Promise<void> {
    await this.engine.remove(sessionId);
  }

  async list(): Promise<RoutedSessionSummary[]> {
    return this.engine.list().map(summarize);
  }
}

/** What the API needs to know of a session of this node. */
export function routed(session: SessionSnapshot): RoutedSession {
  return {
    sessionId: session.id,
    camera: session.camera,
    durationSeconds: session.outputDurationSeconds,
    variant: session.variant,
    ...(session.awaitingHandOff ? { awaitingHandOff: true } : {}),
  };
}

/** A session as the admin listing shows it. */
export function summarize(session: SessionSnapshot): RoutedSessionSummary {
  return {
    sessionId: session.id,
    camera: session.camera,
    start: session.start,
    end: session.end,
    state: session.state,
    segments: session.segmentCount,
    readySegments: session.readyCount,
    encoder: session.encoderActivity,
    lastAccessAt: session.lastAccessAt,
    pid: session.activePid,
    videoEncoder: session.videoEncoder,
    speed: session.speed,
    video: session.video,
  };
}
