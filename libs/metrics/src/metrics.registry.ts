import { Injectable } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric name starts with this. */
export const METRICS_PREFIX = 'nvr_transcoder_';

/**
 * The service's own Prometheus registry (not prom-client's global one, so two apps in one
 * process, as in tests, never share or double-register metrics), with Node's process metrics.
 */
@Injectable()
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this, prefix: METRICS_PREFIX });
  }
}
