import { Module } from '@nestjs/common';
import { FfmpegModule } from '@app/ffmpeg';
import { CamerasController } from './cameras.controller';
import { FilesystemRecordingSource } from './filesystem-recording.source';
import { RecordingDurationIndex } from './recording-duration.index';
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
    RecordingDurationIndex,
    {
      provide: RECORDING_SOURCE,
      inject: [RECORDINGS_MODULE_OPTIONS, RecordingDurationIndex],
      useFactory: (options: RecordingsModuleOptions, durations: RecordingDurationIndex): RecordingSource => {
        switch (options.source) {
          case 'frigate-db':
            return new FrigateDbRecordingSource(options);
          case 'frigate-vod':
            return new FrigateVodRecordingSource(options);
          default:
            return new FilesystemRecordingSource(options, durations);
        }
      },
    },
  ],
  exports: [RECORDING_SOURCE],
})
export class RecordingsModule extends RecordingsConfigurableModule {}
