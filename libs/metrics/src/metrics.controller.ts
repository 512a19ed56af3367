import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { prometheusContentType } from 'prom-client';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { BEARER_AUTH_NAME, Roles } from '@app/auth';
import { ErrorResponseDto } from '@app/common';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsRegistry } from './metrics.registry';

/** For Prometheus (METRICS_TOKEN) or an admin: no camera names or ids in any label, yet what runs is the operator's business. */
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @Roles(['admin'])
  @UseGuards(MetricsAccessGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', prometheusContentType)
  @ApiOperation({
    summary: 'Prometheus metrics: sessions, ffmpeg runs, time to first segment, encode speed, rejections, disk use',
    description: 'Needs METRICS_TOKEN as a bearer token (Prometheus’s `authorization` setting), or an admin’s login.',
  })
  @ApiBearerAuth(BEARER_AUTH_NAME)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  @ApiUnauthorizedResponse({ description: 'Neither METRICS_TOKEN nor a valid login', type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'Not an admin', type: ErrorResponseDto })
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
