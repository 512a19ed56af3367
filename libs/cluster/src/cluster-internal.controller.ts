import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNumber, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { JsonExceptionFilter, createJsonValidationPipe } from '@app/common';
import { CAMERA_NAME_REGEX } from '@app/recordings';
import {
  PLAYLIST_FILE_NAME,
  RoutedSession,
  RoutedSessionSummary,
  SessionIdParams,
  StreamFileParams,
  TooManyTranscodesException,
  SESSION_ENGINE,
  SessionEngine,
  LocalSessionRouting,
  clientGoneSignal,
  routed,
  summarize,
  transcodeSessionId,
} from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { ClusterKeyGuard } from './cluster-key.guard';
import { INTERNAL_PREFIX } from './peer-node.client';
import { SESSION_REGISTRY, SessionRegistry } from './session-registry';

/** 409: this node does not run that session; the caller looks it up again. */
class NotOwnerException extends ConflictException {
  constructor(owner?: string) {
    super({ success: false, message: owner ? `Session runs on node ${owner}` : 'No such session on this node' });
  }
}

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
  ) {}

  @Post('sessions')
  @HttpCode(200)
  async open(@Body() body: InternalOpenBody): Promise<RoutedSession> {
    const id = transcodeSessionId(body.camera, body.start, body.end);
    const self = this.options.nodeId;
    if (!this.engine.localSession(id) && !this.engine.isAdmitting(id)) {
      // Only the owner starts a session: the caller's view of the registry may be out of date.
      const claim = await this.registry.claim({
        id, owner: self, camera: body.camera, start: body.start, end: body.end, durationSeconds: 0, state: 'starting', lastAccessAt: Date.now(),
      });
      if (!claim.claimed) throw new NotOwnerException(claim.record.owner);
      // A session placed here takes one of this node's slots, atomically with any other placement.
      if (!(await this.registry.acquireSlot(self, id, this.options.capacity))) {
        if (claim.changed) await this.registry.release(id, self).catch(() => undefined);
        throw new TooManyTranscodesException(this.options.capacity);
      }
    }
    try {
      return routed(await this.engine.open(body.camera, body.start, body.end, body.requester));
    } catch (error) {
      if (!this.engine.localSession(id)) {
        await this.registry.releaseSlot(self, id).catch(() => undefined);
        await this.registry.release(id, self).catch(() => undefined);
      }
      throw error;
    }
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
      const record = await this.registry.get(params.sessionId);
      if (record?.owner !== this.options.nodeId) throw new NotOwnerException(record?.owner);
      await this.engine.adopt(record.camera, record.start, record.end);
    }
    const file = await this.local.streamFile(params.sessionId, params.fileName, query.segmentQuery, clientGoneSignal(response));
    if (file.kind === 'playlist') {
      response.type(params.fileName === PLAYLIST_FILE_NAME ? 'application/vnd.apple.mpegurl' : 'text/plain');
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
