import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '@app/auth';
import { FfmpegModule } from '@app/ffmpeg';
import { Clock } from './clock';
import { SessionFilesStore } from './session-files.store';
import { StaleSessionCleanupJob } from './stale-session-cleanup.job';
import { TranscodeConfigurableModule } from './transcode.module-definition';
import { TranscodeController } from './transcode.controller';
import { TranscodeSessionService } from './transcode-session.service';
import { TranscodeStreamController } from './transcode-stream.controller';

/**
 * On-demand H.265 → H.264 HLS transcoding of recordings: the create/stop API, the stream
 * routes, the session service and the stale-session cleanup.
 *
 * Needs a RecordingSource (register `RecordingsModule.forRoot({ ..., isGlobal: true })`), and
 * is configured with `TranscodeModule.forRoot(options)` or `forRootAsync`.
 */
@Module({
  imports: [FfmpegModule, AuthModule, ScheduleModule.forRoot()],
  controllers: [TranscodeController, TranscodeStreamController],
  providers: [TranscodeSessionService, SessionFilesStore, StaleSessionCleanupJob, Clock],
  exports: [TranscodeSessionService],
})
export class TranscodeModule extends TranscodeConfigurableModule {}
