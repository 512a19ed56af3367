import { Module } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { destination } from 'pino';
import { AuthModule, authConfig } from '@app/auth';
import { ClusterModule, clusterConfig } from '@app/cluster';
import { FrontDoorModule, frontDoorConfig } from '@app/front-door';
import { MetricsModule, metricsConfig } from '@app/metrics';
import { RecordingsModule, recordingsConfig } from '@app/recordings';
import { TranscodeModule, transcodeConfig } from '@app/transcode';
import { directoriesConfig } from './config/directories.config';
import { serverConfig } from './config/server.config';
import { HealthModule } from './health/health.module';
import { loggingConfig } from './logging/logging.config';
import { pinoHttpOptions } from './logging/pino-http.options';

/** Every settings namespace of the app, each validated when loaded. */
export const SETTINGS = [
  serverConfig,
  loggingConfig,
  authConfig,
  recordingsConfig,
  transcodeConfig,
  clusterConfig,
  frontDoorConfig,
  metricsConfig,
  directoriesConfig,
];

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: SETTINGS }),
    // JSON logs (pino) with a request id on every line written while a request is handled.
    LoggerModule.forRootAsync({
      inject: [loggingConfig.KEY],
      useFactory: (config: ConfigType<typeof loggingConfig>) => ({
        pinoHttp: config.file ? [pinoHttpOptions(config), destination({ dest: config.file, mkdir: true, sync: false })] : pinoHttpOptions(config),
      }),
    }),
    AuthModule.forRootAsync({
      isGlobal: true,
      inject: [authConfig.KEY, serverConfig.KEY],
      // Pages of CORS_ORIGINS may use the login cookie across sites (a create is not refused as cross-site).
      useFactory: (config: ConfigType<typeof authConfig>, server: ConfigType<typeof serverConfig>) => ({
        ...config,
        trustedOrigins: server.corsOrigins === '*' ? [] : server.corsOrigins,
      }),
    }),
    RecordingsModule.forRootAsync({
      isGlobal: true,
      inject: [recordingsConfig.KEY],
      useFactory: (config: ConfigType<typeof recordingsConfig>) => config,
    }),
    TranscodeModule.forRootAsync({
      isGlobal: true,
      inject: [transcodeConfig.KEY],
      useFactory: (config: ConfigType<typeof transcodeConfig>) => config,
    }),
    // One node (registry in memory) unless REDIS_URL makes this node part of a cluster.
    ClusterModule.forRootAsync({
      isGlobal: true,
      inject: [clusterConfig.KEY, transcodeConfig.KEY, serverConfig.KEY],
      useFactory: (cluster: ConfigType<typeof clusterConfig>, transcode: ConfigType<typeof transcodeConfig>, server: ConfigType<typeof serverConfig>) => ({
        ...cluster,
        host: server.host,
        capacity: transcode.maxConcurrentTranscodes,
        sessionTtlSeconds: transcode.ttlSeconds,
        // A proxied request may wait for the owner to make a segment.
        requestTimeoutSeconds: transcode.segmentWaitTimeoutSeconds + 10,
      }),
    }),
    // Off unless FRONT_DOOR_PORT is set: Frigate's /vod transcoded, everything else passed to Frigate.
    FrontDoorModule.forRootAsync({
      inject: [frontDoorConfig.KEY, serverConfig.KEY],
      // Every port on the one BIND_ADDRESS.
      useFactory: (config: ConfigType<typeof frontDoorConfig>, server: ConfigType<typeof serverConfig>) => ({ ...config, host: server.host }),
    }),
    HealthModule,
    MetricsModule.forRootAsync({
      inject: [metricsConfig.KEY],
      useFactory: (config: ConfigType<typeof metricsConfig>) => config,
    }),
  ],
})
export class AppModule {}
