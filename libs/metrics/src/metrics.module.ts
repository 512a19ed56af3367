import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';
import { TranscodeMetrics } from './transcode.metrics';

/**
 * GET /metrics in Prometheus format. Needs TranscodeModule registered globally (it reads the
 * session service and listens to TranscodeEvents).
 */
@Module({
  controllers: [MetricsController],
  providers: [MetricsRegistry, TranscodeMetrics],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
