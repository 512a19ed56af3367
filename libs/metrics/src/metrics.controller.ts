import { Controller, Get, Header } from '@nestjs/common';
import { prometheusContentType } from 'prom-client';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { MetricsRegistry } from './metrics.registry';

/** For Prometheus: open like /health (no camera names or ids in any label). */
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', prometheusContentType)
  @ApiOperation({ summary: 'Prometheus metrics: sessions, ffmpeg runs, time to first segment, encode speed, rejections, disk use' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
