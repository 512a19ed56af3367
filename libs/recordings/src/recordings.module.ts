import { Module } from '@nestjs/common';
import { FfmpegModule } from '@app/ffmpeg';
import { CamerasController } from './cameras.controller';
import { RecordingsLookupLimiter } from './recordings-lookup.limiter';
import { FilesystemRecordingSource } from './filesystem-recording.source';
import { RecordingHeaderIndex } from './recording-header.index';
import { FrigateDbRecordingSource } from './frigate-db-recording.source';
import { FrigateVodRecordingSource } from './frigate-vod-recording.source';
import { RECORDING_SOURCE, RecordingSource } from './recording-source.interface';
import { RECORDINGS_MODULE_OPTIONS, RecordingsConfigurableModule, RecordingsModuleOptions } from './recordings.module-definition';

/**
 * Provides the RecordingSource (token RECORDING_SOURCE). Register with
 * `RecordingsModule.forRoot({ recordingsDir, ffprobePath, isGlobal: true })` or `forRootAsync`.
 */
@Module({
  imports: [FfmpegModule],
  controllers: [CamerasController],
  providers: [
    RecordingHeaderIndex,
    RecordingsLookupLimiter,
    {
      provide: RECORDING_SOURCE,
      inject: [RECORDINGS_MODULE_OPTIONS, RecordingHeaderIndex],
      useFactory: (options: RecordingsModuleOptions, durations: RecordingHeaderIndex): RecordingSource => {
        switch (options.source) {
          case 'frigate-db':
            return new FrigateDbRecordingSource(options, durations);
          case 'frigate-vod':
            return new FrigateVodRecordingSource(options);
          default:
            return new FilesystemRecordingSource(options, durations);
        }
      },
    },
  ],
  exports: [RECORDING_SOURCE, RecordingHeaderIndex],
})
export class RecordingsModule extends RecordingsConfigurableModule {}
