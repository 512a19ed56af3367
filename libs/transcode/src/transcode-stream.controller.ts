import { Controller, Get, Header, Param, Req, Res, StreamableFile, UseFilters, UsePipes } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated, Principal, StreamTokenService } from '@app/auth';
import { ErrorResponseDto, JsonExceptionFilter, createJsonValidationPipe } from '@app/common';
import { PLAYLIST_FILE_NAME, StreamFileParams } from './dto/stream-file.params';
import { SessionFilesStore } from './session-files.store';
import { SegmentNotFoundException } from './transcode.exceptions';
import { STREAM_ROUTE_PREFIX } from './transcode.controller';
import { TranscodeSession } from './transcode-session';
import { TranscodeSessionService } from './transcode-session.service';

const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_CONTENT_TYPE = 'video/mp2t';

@ApiTags('stream')
@Controller(STREAM_ROUTE_PREFIX)
@UseFilters(JsonExceptionFilter)
@UsePipes(createJsonValidationPipe())
export class TranscodeStreamController {
  constructor(
    private readonly sessions: TranscodeSessionService,
    private readonly files: SessionFilesStore,
    private readonly streamTokens: StreamTokenService,
  ) {}

  @Get(':sessionId/:fileName')
  @Authenticated({ camera: 'session' })
  @Header('Cache-Control', 'private, no-cache')
  @ApiOperation({ summary: 'The HLS playlist (master.m3u8) or one of its segments' })
  @ApiProduces(PLAYLIST_CONTENT_TYPE, SEGMENT_CONTENT_TYPE)
  @ApiOkResponse({ description: 'Playlist text or MPEG-TS segment bytes' })
  @ApiBadRequestResponse({ description: 'Malformed session id or file name', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown session, or segment not available', type: ErrorResponseDto })
  @ApiGoneResponse({ description: 'The recording that holds the segment was deleted by the NVR', type: ErrorResponseDto })
  async file(
    @Param() params: StreamFileParams,
    @Req() request: Request & { user?: Principal },
    @Res({ passthrough: true }) response: Response,
  ): Promise<string | StreamableFile> {
    const session = this.sessions.access(params.sessionId);
    if (params.fileName === PLAYLIST_FILE_NAME) {
      response.type(PLAYLIST_CONTENT_TYPE);
      return this.sessions.playlist(session, this.segmentQuery(request.user, session));
    }
    // Only segments ffmpeg has announced as finished are served: never a half-written file,
    // never one left by an earlier run.
    const index = Number(params.fileName.slice(4, 9));
    // A later run may replace (and unlink) the file between the lookup and the open: look again once.
    const file =
      (await this.files.openFile(session.id, await this.sessions.segmentFile(session, index))) ??
      (await this.files.openFile(session.id, await this.sessions.segmentFile(session, index)));
    if (!file) throw new SegmentNotFoundException(params.fileName);
    try {
      const { size } = await file.stat();
      return new StreamableFile(file.createReadStream(), { type: SEGMENT_CONTENT_TYPE, length: size });
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /**
   * Segment URIs carry a stream token, so a player that fetched the playlist with one (or with
   * a header it cannot repeat for segments) can fetch the segments too.
   */
  private segmentQuery(principal: Principal | undefined, session: TranscodeSession): string | undefined {
    if (!this.streamTokens.enabled) return undefined;
    const token =
      principal?.kind === 'stream' && principal.token
        ? principal.token
        : this.sessions.issueStreamToken(session, principal?.expiresAt);
    return `token=${encodeURIComponent(token)}`;
  }
}
