import { Injectable } from '@nestjs/common';
import { isPlaylistFileName, segmentIndexOf } from '../hls/hls-names';
import { SessionFilesStore, WHOLE_READ_MAX_BYTES } from '../storage/session-files.store';
import type { OpenOptions, RoutedSession, RoutedSessionSummary, StreamFile } from '../model/session-views';
import { SessionRouting } from './session-routing';
import { SegmentNotFoundException } from '../transcode.exceptions';
import { TranscodeSession } from '../sessions/transcode-session';
import { TranscodeSessionService } from '../sessions/transcode-session.service';

/** One node: every session is this node's engine's. */
@Injectable()
export class LocalSessionRouting implements SessionRouting {
  constructor(
    private readonly sessions: TranscodeSessionService,
    private readonly files: SessionFilesStore,
  ) {}

  async open(camera: string, start: number, end: number, requester?: string, options?: OpenOptions): Promise<RoutedSession> {
    return routed(await this.sessions.open(camera, start, end, requester, options));
  }

  async describe(sessionId: string): Promise<RoutedSession | null> {
    const session = this.sessions.localSession(sessionId);
    return session ? routed(session) : null;
  }

  async streamFile(sessionId: string, fileName: string, segmentQuery?: string, signal?: AbortSignal): Promise<StreamFile> {
    return serveLocalFile(this.sessions, this.files, sessionId, fileName, segmentQuery, signal);
  }

  async remove(sessionId: string): Promise<void> {
    await this.sessions.remove(sessionId);
  }

  async list(): Promise<RoutedSessionSummary[]> {
    return this.sessions.list().map(summarize);
  }
}

export function routed(session: TranscodeSession): RoutedSession {
  return {
    sessionId: session.id,
    camera: session.camera,
    durationSeconds: session.outputDurationSeconds,
    variant: session.variant(),
    ...(session.awaitingHandOff ? { awaitingHandOff: true } : {}),
  };
}

/**
 * The playlist or a segment of a session of this node's engine. Only segments ffmpeg has
 * announced as finished are served: never a half-written file, never one left by an earlier run.
 */
export async function serveLocalFile(
  sessions: TranscodeSessionService,
  files: SessionFilesStore,
  sessionId: string,
  fileName: string,
  segmentQuery?: string,
  signal?: AbortSignal,
): Promise<StreamFile> {
  const session = sessions.access(sessionId);
  if (isPlaylistFileName(fileName)) return { kind: 'playlist', text: sessions.playlist(session, segmentQuery) };
  const index = segmentIndexOf(fileName) ?? NaN;
  // A later run may replace (and unlink) the file between the lookup and the read: look again once.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const name = await sessions.segmentFile(session, index, signal);
    // The size ffmpeg's finished file had when it was listed (files are never written after).
    const size = session.readyFile(index) === name ? session.readySize(index) : 0;
    if (size > 0 && size <= WHOLE_READ_MAX_BYTES) {
      const bytes = await files.readWhole(session.id, name, size);
      if (bytes) return { kind: 'segment-bytes', bytes };
      continue;
    }
    const stream = await files.openReadStream(session.id, name);
    if (stream) return { kind: 'segment', stream };
  }
  throw new SegmentNotFoundException(fileName);
}

/** A session as the admin listing shows it. */
export function summarize(session: TranscodeSession): RoutedSessionSummary {
  return {
    sessionId: session.id,
    camera: session.camera,
    start: session.start,
    end: session.end,
    state: session.state,
    segments: session.segments.length,
    readySegments: session.readyCount,
    encoder: session.encoderActivity,
    lastAccessAt: session.lastAccessAt,
    pid: session.activePid,
    videoEncoder: session.videoEncoder,
    speed: session.speed,
    video: session.rendition.video.mode,
  };
}
