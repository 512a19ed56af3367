import { Injectable } from '@nestjs/common';
import { PLAYLIST_FILE_NAME } from './dto/stream-file.params';
import { SessionFilesStore } from './session-files.store';
import { RoutedSession, RoutedSessionSummary, SessionRouting, StreamFile } from './session-routing';
import { SegmentNotFoundException } from './transcode.exceptions';
import { TranscodeSession } from './transcode-session';
import { TranscodeSessionService } from './transcode-session.service';

/** One node: every session is this node's engine's. */
@Injectable()
export class LocalSessionRouting implements SessionRouting {
  constructor(
    private readonly sessions: TranscodeSessionService,
    private readonly files: SessionFilesStore,
  ) {}

  async open(camera: string, start: number, end: number, requester?: string): Promise<RoutedSession> {
    return routed(await this.sessions.open(camera, start, end, requester));
  }

  async describe(sessionId: string): Promise<RoutedSession | null> {
    const session = this.sessions.localSession(sessionId);
    return session ? routed(session) : null;
  }

  async streamFile(sessionId: string, fileName: string, segmentQuery?: string): Promise<StreamFile> {
    return serveLocalFile(this.sessions, this.files, sessionId, fileName, segmentQuery);
  }

  async remove(sessionId: string): Promise<void> {
    await this.sessions.remove(sessionId);
  }

  async list(): Promise<RoutedSessionSummary[]> {
    return this.sessions.list().map(summarize);
  }
}

export function routed(session: TranscodeSession): RoutedSession {
  return { sessionId: session.id, camera: session.camera, durationSeconds: session.timeline.durationSeconds };
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
): Promise<StreamFile> {
  const session = sessions.access(sessionId);
  if (fileName === PLAYLIST_FILE_NAME) return { kind: 'playlist', text: sessions.playlist(session, segmentQuery) };
  const index = Number(fileName.slice(4, 9));
  // A later run may replace (and unlink) the file between the lookup and the open: look again once.
  const file =
    (await files.openFile(session.id, await sessions.segmentFile(session, index))) ??
    (await files.openFile(session.id, await sessions.segmentFile(session, index)));
  if (!file) throw new SegmentNotFoundException(fileName);
  try {
    const { size } = await file.stat();
    return { kind: 'segment', stream: file.createReadStream(), length: size };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** A session as the admin listing shows it. */
export function summarize(session: TranscodeSession): RoutedSessionSummary {
  const process = session.encoderRunning ? session.encoder!.process : null;
  return {
    sessionId: session.id,
    camera: session.camera,
    start: session.start,
    end: session.end,
    state: session.state,
    segments: session.segments.length,
    readySegments: session.readyCount,
    encoder: !process ? 'stopped' : process.isPaused ? 'paused' : 'encoding',
    lastAccessAt: session.lastAccessAt,
    pid: process?.pid ?? null,
    videoEncoder: session.encoder?.videoEncoder ?? null,
  };
}

