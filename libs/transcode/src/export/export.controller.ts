import { Controller, Get, Header, Param, Req, Res, StreamableFile, UseFilters, UsePipes } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { open } from 'node:fs/promises';
import { Authenticated, Principal, requesterOf } from '@app/auth';
import { ErrorResponseDto, JsonExceptionFilter, createJsonValidationPipe } from '@app/common';
import { CreateTranscodeParams } from '../http/dto/create-transcode.params';
import { exportContentDisposition } from './export-file-name';
import { ExportProgressResponse } from './export-progress.response';
import { Mp4ExportService } from './mp4-export.service';

const MP4_CONTENT_TYPE = 'video/mp4';

@ApiTags('export')
@Controller('export')
@UseFilters(JsonExceptionFilter)
@UsePipes(createJsonValidationPipe())
export class ExportController {
  constructor(private readonly exports: Mp4ExportService) {}

  // The route's ".mp4" is literal: `end` is the epoch seconds before it, validated as on the create route.
  @Get(':camera/start/:start/end/:end.mp4')
  @Authenticated({ camera: 'param', startsWork: true })
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({
    summary: 'Download a range as one progressive H.264 MP4',
    description:
      'Uses the segments the range’s playback session already made and makes only the missing ones, and muxes them as ' +
      'they come (no second encode, no second copy on disk) with the index first (+faststart) and the first frame’s wall ' +
      'clock as creation_time. The room its MP4 takes is reserved in TRANSCODE_MAX_DISK_MB first. Answers once the file ' +
      'is written; GET …/progress tells how far it is. One export at a time per user; the same request again joins it.',
  })
  @ApiProduces(MP4_CONTENT_TYPE)
  @ApiOkResponse({
    description: 'The MP4, as an attachment named <camera>-<YYYYMMDD-HHMMSS>Z.mp4 (UTC range start)',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiBadRequestResponse({ description: 'Invalid camera name, timestamp or range, or a range longer than EXPORT_MAX_SECONDS', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown camera, or no recordings in the range', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'This user already has an export running, too many exports run at once, or the session limits refused its session; see the Retry-After header',
    type: ErrorResponseDto,
  })
  @ApiBadGatewayResponse({ description: 'ffmpeg failed (making a segment, or writing the MP4); the message has its last stderr lines', type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({
    description:
      'ffmpeg cannot be started, TRANSCODE_DIR is not writable, or no process slot (MAX_FFMPEG_PROCESSES) is free for its mux; see the Retry-After header',
    type: ErrorResponseDto,
  })
  @ApiGatewayTimeoutResponse({ description: 'A segment did not come in time', type: ErrorResponseDto })
  @ApiResponse({ status: 507, description: 'No room in TRANSCODE_MAX_DISK_MB or on the disk for the range’s session or its MP4', type: ErrorResponseDto })
  async download(
    @Param() params: CreateTranscodeParams,
    @Req() request: Request & { user?: Principal },
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile | undefined> {
    const start = Number(params.start);
    const lease = this.exports.acquire({ requester: requesterOf(request.user, request.ip), camera: params.camera, start, end: Number(params.end) });
    let gone = false;
    // Sent or abandoned, the response lets go of the export: the last one out deletes its folder
    // (and, when it was not finished, stops waiting for segments; the session stays).
    response.once('close', () => {
      gone = true;
      lease.release();
    });
    // The client waits while segments are made and muxed, with nothing to read yet: that is not
    // the idleness HTTP_IDLE_TIMEOUT_SECONDS cuts. The limit is back for the body.
    const socket = request.socket;
    const idleTimeoutMs = socket.timeout ?? 0;
    socket.setTimeout(0);
    let file: Awaited<typeof lease.file>;
    try {
      file = await lease.file;
    } finally {
      if (!socket.destroyed) socket.setTimeout(idleTimeoutMs);
    }
    if (gone) return undefined;
    const handle = await open(file.path, 'r');
    const stream = handle.createReadStream();
    response.once('close', () => stream.destroy());
    return new StreamableFile(stream, { type: MP4_CONTENT_TYPE, length: file.size, disposition: exportContentDisposition(params.camera, start) });
  }

  @Get(':camera/start/:start/end/:end/progress')
  @Authenticated({ camera: 'param' })
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'How far the caller’s MP4 export of a range is' })
  @ApiOkResponse({ type: ExportProgressResponse })
  @ApiBadRequestResponse({ description: 'Invalid camera name or timestamp', type: ErrorResponseDto })
  progress(@Param() params: CreateTranscodeParams, @Req() request: Request & { user?: Principal }): ExportProgressResponse {
    const progress = this.exports.progress(requesterOf(request.user, request.ip), params.camera, Number(params.start), Number(params.end));
    return { success: true, ...progress };
  }
}
