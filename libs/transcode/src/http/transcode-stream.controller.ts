import { Controller, Get, Header, Inject, Param, Req, Res, StreamableFile, UseFilters, UsePipes } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiGatewayTimeoutResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated, Principal } from '@app/auth';
import { ErrorResponseDto, JsonExceptionFilter, createJsonValidationPipe } from '@app/common';
import { StreamFileParams } from './dto/stream-file.params';
import { PLAYLIST_FILE_NAME, STREAM_ROUTE_PREFIX, isPlaylistFileName } from '../hls/hls-names';
import { clientGoneSignal } from './client-gone.signal';
import { SessionNotFoundException } from '../transcode.exceptions';
import type { RoutedSession } from '../model/session-views';
import { SESSION_ROUTING, SessionRouting } from '../routing/session-routing';
import { SessionStreamTokens } from './session-stream-tokens';

const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_CONTENT_TYPE = 'video/mp2t';

@ApiTags('stream')
@Controller(STREAM_ROUTE_PREFIX)
@UseFilters(JsonExceptionFilter)
@UsePipes(createJsonValidationPipe())
export class TranscodeStreamController {
  constructor(
    @Inject(SESSION_ROUTING) private readonly routing: SessionRouting,
    private readonly streamTokens: SessionStreamTokens,
  ) {}

  @Get(':sessionId/:fileName')
  @Authenticated({ camera: 'session' })
  @Header('Cache-Control', 'private, no-cache')
  @ApiOperation({ summary: `The HLS playlist (${PLAYLIST_FILE_NAME}) or one of its segments` })
  @ApiProduces(PLAYLIST_CONTENT_TYPE, SEGMENT_CONTENT_TYPE)
  @ApiOkResponse({ description: 'Playlist text or MPEG-TS segment bytes' })
  @ApiBadRequestResponse({ description: 'Malformed session id or file name', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown session, or segment not available', type: ErrorResponseDto })
  @ApiGoneResponse({ description: 'The recording that holds the segment was deleted by the NVR', type: ErrorResponseDto })
  // A segment not made yet is made on demand: the create route's ffmpeg failures apply to it.
  @ApiBadGatewayResponse({ description: 'ffmpeg failed making the segment; the message has its last stderr lines', type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({
    description: 'ffmpeg cannot be started, TRANSCODE_DIR is not writable, or no process slot (MAX_FFMPEG_PROCESSES) is free; see the Retry-After header',
    type: ErrorResponseDto,
  })
  @ApiGatewayTimeoutResponse({ description: 'The segment did not come within SEGMENT_WAIT_TIMEOUT_SECONDS', type: ErrorResponseDto })
  async file(
    @Param() params: StreamFileParams,
    @Req() request: Request & { user?: Principal },
    @Res({ passthrough: true }) response: Response,
  ): Promise<string | StreamableFile> {
    const isPlaylist = isPlaylistFileName(params.fileName);
    let query: string | undefined;
    if (isPlaylist && this.streamTokens.enabled) {
      const session = await this.routing.describe(params.sessionId);
      if (!session) throw new SessionNotFoundException();
      query = this.segmentQuery(request.user, session);
    }
    const file = await this.routing.streamFile(params.sessionId, params.fileName, query, clientGoneSignal(response));
    if (file.kind === 'playlist') {
      response.type(PLAYLIST_CONTENT_TYPE);
      return file.text;
    }
    if (file.kind === 'segment-bytes') return new StreamableFile(file.bytes, { type: SEGMENT_CONTENT_TYPE, length: file.bytes.length });
    // A client that leaves (or is dropped for idling) gives the file back at once.
    response.once('close', () => file.stream.destroy());
    return new StreamableFile(file.stream, { type: SEGMENT_CONTENT_TYPE, length: file.length });
  }

  /**
   * Segment URIs carry a stream token, so a player that fetched the playlist with one (or with
   * a header it cannot repeat for segments) can fetch the segments too.
   */
  private segmentQuery(principal: Principal | undefined, session: RoutedSession): string {
    const token = principal?.kind === 'stream' && principal.token ? principal.token : this.streamTokens.issue(session, principal?.expiresAt);
    return `token=${encodeURIComponent(token)}`;
  }
}
