import { registerAs } from '@nestjs/config';
import { IsOptional, Matches, MinLength } from 'class-validator';
import { SHARED_SECRET_MIN_LENGTH, validateEnvironment } from '@app/common';
import type { MetricsModuleOptions } from './metrics.module-definition';

class MetricsEnvironment {
  // As long as the other secrets: it opens the metrics to whoever holds it.
  @IsOptional()
  @MinLength(SHARED_SECRET_MIN_LENGTH, { message: `must be at least ${SHARED_SECRET_MIN_LENGTH} characters (openssl rand -hex 32)` })
  @Matches(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces (it is sent in an Authorization header)' })
  METRICS_TOKEN?: string;
}

/** The metrics settings from the environment: METRICS_TOKEN. */
export function readMetricsSettings(env: NodeJS.ProcessEnv = process.env): MetricsModuleOptions {
  const settings = validateEnvironment(MetricsEnvironment, env);
  return settings.METRICS_TOKEN ? { token: settings.METRICS_TOKEN } : {};
}

/** The `metrics` settings namespace, validated at start. */
export const metricsConfig = registerAs('metrics', (): MetricsModuleOptions => readMetricsSettings());
