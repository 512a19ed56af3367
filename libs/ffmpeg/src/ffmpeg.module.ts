import { Module } from '@nestjs/common';
import { FfmpegCommandBuilder } from './ffmpeg-command.builder';
import { FfmpegProcessSupervisor } from './ffmpeg-process.supervisor';

/**
 * The command builder (pure) and the process supervisor (the only spawner). It needs no
 * settings of its own: binary paths and encode options arrive with each call.
 */
@Module({
  providers: [FfmpegCommandBuilder, FfmpegProcessSupervisor],
  exports: [FfmpegCommandBuilder, FfmpegProcessSupervisor],
})
export class FfmpegModule {}
