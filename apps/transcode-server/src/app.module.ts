import { Module } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { AuthModule, authConfig } from '@app/auth';
import { RecordingsModule, recordingsConfig } from '@app/recordings';
import { TranscodeModule, transcodeConfig } from '@app/transcode';
import { serverConfig } from './config/server.config';
import { HealthModule } from './health/health.module';

/** Every settings namespace of the app, each validated when loaded. */
export const SETTINGS = [serverConfig, authConfig, recordingsConfig, transcodeConfig];

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: SETTINGS }),
    AuthModule.forRootAsync({
      isGlobal: true,
      inject: [authConfig.KEY],
      useFactory: (config: ConfigType<typeof authConfig>) => config,
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
    HealthModule,
  ],
})
export class AppModule {}
