import { Module } from '@nestjs/common';
import { FfmpegModule } from '@app/ffmpeg';
import { CamerasController } from './cameras.controller';
import { FilesystemRecordingSource } from './filesystem-recording.source';
import { RecordingDurationIndex } from './recording-duration.index';
import { RECORDING_SOURCE } from './recording-source.interface';
import { RecordingsConfigurableModule } from './recordings.module-definition';

/**
 * Provides the RecordingSource (token RECORDING_SOURCE). Register with
 * `RecordingsModule.forRoot({ recordingsDir, ffprobePath, isGlobal: true })` or `forRootAsync`.
 */
@Module({
  imports: [FfmpegModule],
  controllers: [CamerasController],
  providers: [
    RecordingDurationIndex,
    FilesystemRecordingSource,
    { provide: RECORDING_SOURCE, useExisting: FilesystemRecordingSource },
  ],
  exports: [RECORDING_SOURCE],
})
export class RecordingsModule extends RecordingsConfigurableModule {}
