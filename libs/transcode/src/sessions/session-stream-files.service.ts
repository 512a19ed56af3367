import { Injectable } from '@nestjs/common';
import { isPlaylistFileName, segmentIndexOf } from '../hls/hls-names';
import { renderVodPlaylist } from '../hls/media-playlist';
import type { StreamFile } from '../model/session-views';
import { SessionFilesStore, WHOLE_READ_MAX_BYTES } from '../storage/session-files.store';
import { SegmentNotFoundException } from '../transcode.exceptions';
import { SegmentAccess } from './segment-access.service';
import type { TranscodeSession } from './transcode-session';

/** Stands for the segment query in a session's rendered playlist until a request fills it in. */
const QUERY_MARK = '\u0000q';

/**
 * The playlist and the segments of a session of this node, ready to send. Only segments ffmpeg
 * has announced as finished are served: never a half-written file, never one left by an earlier run.
 */
@Injectable()
export class SessionStreamFiles {
  /** Each session's playlist, rendered once, split where the segment query goes. */
  private readonly playlists = new WeakMap<TranscodeSession, { parts: string[]; last: { query: string; text: string } | null }>();

  constructor(
    private readonly access: SegmentAccess,
    private readonly files: SessionFilesStore,
  ) {}

  /**
   * The playlist (its segment URIs carrying `segmentQuery`) or a finished segment of a live
   * session (404 otherwise). `signal` aborts when the client goes away: a request still waiting
   * is withdrawn.
   */
  async streamFile(sessionId: string, fileName: string, segmentQuery?: string, signal?: AbortSignal): Promise<StreamFile> {
    const session = this.access.access(sessionId);
    if (isPlaylistFileName(fileName)) return { kind: 'playlist', text: this.playlist(session, segmentQuery) };
    const index = segmentIndexOf(fileName) ?? NaN;
    // A later run may replace (and unlink) the file between the lookup and the read: look again once.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const name = await this.access.segmentFile(session, index, signal);
      // The size ffmpeg's finished file had when it was listed (files are never written after).
      const size = session.readyFile(index) === name ? session.readySize(index) : 0;
      if (size > 0 && size <= WHOLE_READ_MAX_BYTES) {
        const bytes = await this.files.readWhole(session.dirOf(index), name, size);
        if (bytes) return { kind: 'segment-bytes', bytes };
        continue;
      }
      const stream = await this.files.openReadStream(session.dirOf(index), name);
      if (stream) return { kind: 'segment', stream };
    }
    throw new SegmentNotFoundException(fileName);
  }

  /**
   * The media playlist, its segment URIs carrying `query`. The body is rendered once per session
   * (a 6-hour range is 3 MB); a request only joins it with its query.
   */
  playlist(session: TranscodeSession, query?: string): string {
    let cached = this.playlists.get(session);
    if (!cached) {
      cached = { parts: renderVodPlaylist(session.segments, { query: QUERY_MARK, speed: session.speed }).split(`?${QUERY_MARK}`), last: null };
      this.playlists.set(session, cached);
    }
    const suffix = query ? `?${query}` : '';
    if (cached.last?.query !== suffix) cached.last = { query: suffix, text: cached.parts.join(suffix) };
    return cached.last.text;
  }
}
