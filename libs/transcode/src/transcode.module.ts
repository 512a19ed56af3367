import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { SESSION_CAMERA_RESOLVER } from '@app/auth';
import { FfmpegModule } from '@app/ffmpeg';
import { Clock } from './clock';
import { FfmpegHealth } from './ffmpeg-health.service';
import { TranscodeEvents } from './transcode-events';
import { TranscodeConfigurableModule } from './transcode.module-definition';
import { STREAM_ROUTES } from './hls/hls-names';
import { ExportController } from './export/export.controller';
import { ExportMuxer } from './export/export-muxer';
import { Mp4ExportService } from './export/mp4-export.service';
import { ReadySegmentMiddleware } from './http/ready-segment.middleware';
import { SessionStreamTokens } from './http/session-stream-tokens';
import { TranscodeController } from './http/transcode.controller';
import { TranscodeStreamController } from './http/transcode-stream.controller';
import { EncoderSelector } from './policy/encoder-selector.service';
import { LocalSessionRouting } from './routing/local-session.routing';
import { SESSION_ENGINE } from './routing/session-engine';
import { CLUSTER_SESSION_ROUTING, SESSION_ROUTING, SessionRouting } from './routing/session-routing';
import { FfmpegProcessSlots } from './scheduler/ffmpeg-process-slots';
import { SessionDriverFactory } from './scheduler/session-driver.factory';
import { SessionEncoderService } from './scheduler/session-encoder.service';
import { AdmissionLimits } from './sessions/admission-limits';
import { RangePlanner } from './sessions/range-planner';
import { SegmentAccess } from './sessions/segment-access.service';
import { SessionAdmission } from './sessions/session-admission.service';
import { SessionCreationRateLimiter } from './sessions/session-creation.rate-limiter';
import { SessionStreamFiles } from './sessions/session-stream-files.service';
import { SessionTable } from './sessions/session-table';
import { StaleSessionCleanupJob } from './sessions/stale-session-cleanup.job';
import { TranscodeSessionService } from './sessions/transcode-session.service';
import { DiskBudgetService, SESSIONS_ON_DISK } from './storage/disk-budget.service';
import { RecordingPresence } from './storage/recording-presence';
import { SessionFilesStore } from './storage/session-files.store';
import { TrackTable } from './tracks/track-table';

/**
 * On-demand H.265 → H.264 HLS transcoding of recordings: the create/stop API, the stream
 * routes, the session service, the stale-session cleanup and MP4 exports of a range.
 *
 * Needs a RecordingSource and auth (register `RecordingsModule.forRoot({ ..., isGlobal: true })`
 * and `AuthModule.forRoot({ ..., isGlobal: true })`), and is configured with `TranscodeModule.forRoot(options)` or `forRootAsync`.
 */
@Module({
  imports: [FfmpegModule, ScheduleModule.forRoot()],
  controllers: [TranscodeController, TranscodeStreamController, ExportController],
  providers: [
    Clock,
    TranscodeEvents,
    FfmpegHealth,
    // sessions/: the engine's front, admission, segment access, the table of live sessions
    TranscodeSessionService,
    SessionAdmission,
    AdmissionLimits,
    RangePlanner,
    SessionCreationRateLimiter,
    SegmentAccess,
    SessionStreamFiles,
    SessionTable,
    // tracks/: the shared tracks of camera hours that sessions are views of (SHARED_TRACKS)
    TrackTable,
    StaleSessionCleanupJob,
    // scheduler/: each session's runs, and the process slots every run and export takes
    SessionDriverFactory,
    SessionEncoderService,
    FfmpegProcessSlots,
    // policy/, storage/
    EncoderSelector,
    DiskBudgetService,
    // The disk budget sees the sessions' segments through the table.
    { provide: SESSIONS_ON_DISK, useExisting: SessionTable },
    SessionFilesStore,
    RecordingPresence,
    // http/, export/
    ReadySegmentMiddleware,
    SessionStreamTokens,
    Mp4ExportService,
    ExportMuxer,
    // The narrow view of the engine that the cluster depends on.
    { provide: SESSION_ENGINE, useExisting: TranscodeSessionService },
    // Where the API's session requests go: a cluster's routing when a module provides one
    // (ClusterModule), this node's engine otherwise.
    LocalSessionRouting,
    {
      provide: SESSION_ROUTING,
      inject: [LocalSessionRouting, { token: CLUSTER_SESSION_ROUTING, optional: true }],
      useFactory: (local: LocalSessionRouting, cluster?: SessionRouting) => cluster ?? local,
    },
    // Lets the camera-access guard check the camera of a session on every stream request.
    {
      provide: SESSION_CAMERA_RESOLVER,
      inject: [SESSION_ROUTING],
      useFactory: (routing: SessionRouting) => ({
        cameraOfSession: async (sessionId: string) => (await routing.describe(sessionId))?.camera,
      }),
    },
  ],
  exports: [
    TranscodeSessionService,
    SESSION_ENGINE,
    ReadySegmentMiddleware,
    TranscodeEvents,
    SessionFilesStore,
    LocalSessionRouting,
    SESSION_ROUTING,
    // The front door's master playlist names the codec its encoders write.
    EncoderSelector,
    // What /health and /metrics read: ffmpeg and the encoder, TRANSCODE_DIR, the disk usage.
    FfmpegHealth,
    DiskBudgetService,
  ],
})
export class TranscodeModule extends TranscodeConfigurableModule implements NestModule {
  /** Ready segments take the fast path before the stream controller's guards and pipes. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ReadySegmentMiddleware).forRoutes({ path: STREAM_ROUTES, method: RequestMethod.GET });
  }
}
