import { Controller, Delete, Get, HttpCode, Inject, Param, Query, Req, UseFilters, UsePipes } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Authenticated, Principal, requesterOf } from '@app/auth';
import { ErrorResponseDto, JsonExceptionFilter, createJsonValidationPipe } from '@app/common';
import { CreateTranscodeParams } from './dto/create-transcode.params';
import { CreateTranscodeQuery } from './dto/create-transcode.query';
import type { PlaybackSpeed } from '../model/playback-speed';
import { SessionIdParams } from './dto/session-id.params';
import { streamPlaylistPath } from '../hls/hls-names';
import { TranscodeSessionListResponse, TranscodeStartedResponse, TranscodeStoppedResponse } from './dto/transcode-session.response';
import { SessionStreamTokens } from './session-stream-tokens';
import { SESSION_ROUTING, SessionRouting } from '../routing/session-routing';

@ApiTags('transcode')
@Controller('transcode')
@UseFilters(JsonExceptionFilter)
@UsePipes(createJsonValidationPipe())
export class TranscodeController {
  constructor(
    @Inject(SESSION_ROUTING) private readonly routing: SessionRouting,
    private readonly streamTokens: SessionStreamTokens,
  ) {}

  @Get(':camera/start/:start/end/:end')
  @Authenticated({ camera: 'param', startsWork: true })
  @ApiOperation({
    summary: 'Start (or join) an H.264 HLS transcode of a camera’s recordings',
    description: 'Answers once the first segment is playable. The same camera and range always give the same session.',
  })
  @ApiOkResponse({ type: TranscodeStartedResponse })
  @ApiBadRequestResponse({ description: 'Invalid camera name, timestamp or range', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown camera, or no recordings in the range', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Every transcode slot is taken, or this user asked for too many new ones; see the Retry-After header',
    type: ErrorResponseDto,
  })
  @ApiBadGatewayResponse({ description: 'ffmpeg failed; the message has its last stderr lines', type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({ description: 'ffmpeg cannot be started or TRANSCODE_DIR is not writable', type: ErrorResponseDto })
  @ApiGatewayTimeoutResponse({ description: 'The first segment did not come in time', type: ErrorResponseDto })
  @ApiResponse({
    status: 507,
    description: 'No room: TRANSCODE_MAX_DISK_MB is taken by sessions being watched, or the disk is nearly full',
    type: ErrorResponseDto,
  })
  async start(
    @Param() params: CreateTranscodeParams,
    @Query() query: CreateTranscodeQuery,
    @Req() request: { user?: Principal; ip?: string },
  ): Promise<TranscodeStartedResponse> {
    const requester = requesterOf(request.user, request.ip);
    const speed = Number(query.speed ?? 1) as PlaybackSpeed;
    const session = await this.routing.open(params.camera, Number(params.start), Number(params.end), requester, { speed });
    const token = this.streamTokens.enabled ? `?token=${this.streamTokens.issue(session, request.user?.expiresAt)}` : '';
    return {
      success: true,
      playlist: `${streamPlaylistPath(session.sessionId)}${token}`,
      sessionId: session.sessionId,
      durationSeconds: Math.round(session.durationSeconds * 1000) / 1000,
      speed,
    };
  }

  @Get('sessions')
  @Authenticated({ admin: true })
  @ApiOperation({ summary: 'List transcode sessions (admin)' })
  @ApiOkResponse({ type: TranscodeSessionListResponse })
  async listSessions(): Promise<TranscodeSessionListResponse> {
    return { success: true, sessions: await this.routing.list() };
  }

  @Delete(':sessionId')
  @HttpCode(200)
  @Authenticated({ admin: true })
  @ApiOperation({ summary: 'Stop a transcode and delete its files (admin)' })
  @ApiOkResponse({ type: TranscodeStoppedResponse })
  @ApiBadRequestResponse({ description: 'Malformed session id', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'No such session', type: ErrorResponseDto })
  async stop(@Param() params: SessionIdParams): Promise<TranscodeStoppedResponse> {
    await this.routing.remove(params.sessionId);
    return { success: true, message: 'Transcode session stopped' };
  }
}
