import { Module } from '@nestjs/common';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsController } from './metrics.controller';
import { MetricsConfigurableModule } from './metrics.module-definition';
import { MetricsRegistry } from './metrics.registry';
import { TranscodeMetrics } from './transcode.metrics';

/**
 * GET /metrics in Prometheus format, for METRICS_TOKEN or an admin. Needs TranscodeModule and
 * AuthModule registered globally (it reads the session service, listens to TranscodeEvents, and
 * checks logins as every route does).
 */
@Module({
  controllers: [MetricsController],
  providers: [MetricsRegistry, TranscodeMetrics, MetricsAccessGuard],
  exports: [MetricsRegistry],
})
export class MetricsModule extends MetricsConfigurableModule {}
