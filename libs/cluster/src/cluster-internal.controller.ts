import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res, StreamableFile, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsNumber, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { JsonExceptionFilter, createJsonValidationPipe } from '@app/common';
import { CAMERA_NAME_REGEX } from '@app/recordings';
import {
  PLAYBACK_SPEEDS,
  PlaybackSpeed,
  RoutedSession,
  RoutedSessionSummary,
  SessionIdParams,
  StreamFileParams,
  SESSION_ENGINE,
  SessionEngine,
  LocalSessionRouting,
  clientGoneSignal,
  isPlaylistFileName,
  summarize,
} from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { ClusterKeyGuard } from './cluster-key.guard';
import { INTERNAL_PREFIX } from './peer-node.client';
import { SESSION_REGISTRY, SessionRegistry } from './session-registry';
import { NotOwnerException, SessionOwnership } from './session-ownership';

class InternalOpenBody {
  @Matches(CAMERA_NAME_REGEX)
  camera!: string;

  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  start!: number;

  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  end!: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  requester?: string;

  @IsOptional()
  @IsBoolean()
  waitForFirstSegment?: boolean;

  @IsOptional()
  @IsIn(PLAYBACK_SPEEDS)
  speed?: PlaybackSpeed;

  @IsOptional()
  @IsBoolean()
  handOffH264?: boolean;
}

class InternalFileQuery {
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  segmentQuery?: string;
}

/**
 * What a node does for the other nodes of its cluster, on its own engine: start a session
 * placed here, serve one of its files, stop one, list them. The caller has checked the
 * viewer's access; these routes trust the cluster key only. Not in the public API.
 */
@ApiExcludeController()
@Controller(INTERNAL_PREFIX)
@UseGuards(ClusterKeyGuard)
@UseFilters(JsonExceptionFilter)
@UsePipes(createJsonValidationPipe())
export class ClusterInternalController {
  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions,
    @Inject(SESSION_REGISTRY) private readonly registry: SessionRegistry,
    @Inject(SESSION_ENGINE) private readonly engine: SessionEngine,
    private readonly local: LocalSessionRouting,
    private readonly ownership: SessionOwnership,
  ) {}

  @Post('sessions')
  @HttpCode(200)
  open(@Body() body: InternalOpenBody): Promise<RoutedSession> {
    // Only the owner starts a session: the caller's view of the registry may be out of date.
    const range = { camera: body.camera, start: body.start, end: body.end };
    return this.ownership.openHere(range, body.requester, {
      waitForFirstSegment: body.waitForFirstSegment ?? true,
      speed: body.speed ?? 1,
      handOffH264: body.handOffH264 ?? false,
    });
  }

  @Get('sessions')
  list(): RoutedSessionSummary[] {
    return this.engine.list().map(summarize);
  }

  @Get('sessions/:sessionId/:fileName')
  async file(
    @Param() params: StreamFileParams,
    @Query() query: InternalFileQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string | StreamableFile> {
    if (!this.engine.localSession(params.sessionId)) {
      // This node owns it in the registry but does not run it (it restarted): it takes it back up.
      const record = await this.ownership.registryCall(() => this.registry.get(params.sessionId));
      if (record?.owner !== this.options.nodeId) throw new NotOwnerException(record?.owner);
      await this.ownership.runHere(record, false);
    }
    const file = await this.local.streamFile(params.sessionId, params.fileName, query.segmentQuery, clientGoneSignal(response));
    if (file.kind === 'playlist') {
      response.type(isPlaylistFileName(params.fileName) ? 'application/vnd.apple.mpegurl' : 'text/plain');
      return file.text;
    }
    if (file.kind === 'segment-bytes') return new StreamableFile(file.bytes, { type: 'video/mp2t', length: file.bytes.length });
    return new StreamableFile(file.stream, { type: 'video/mp2t', length: file.length });
  }

  @Delete('sessions/:sessionId')
  @HttpCode(200)
  async remove(@Param() params: SessionIdParams): Promise<{ success: true }> {
    await this.engine.remove(params.sessionId);
    return { success: true };
  }
}
