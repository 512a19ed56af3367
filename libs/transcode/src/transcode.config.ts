import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsPositive, IsString, Max, Min } from 'class-validator';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidSettingError, validateEnvironment } from '@app/common';
import { FRIGATE_PRESET_ALIASES, HARDWARE_ACCELERATORS, parseHardwareAccelerator, resolveHardwareDevice } from '@app/ffmpeg';
import { DEFAULT_EXPORT_MAX_SECONDS } from './export/export-admission';
import { DEFAULT_MAX_USER_SHARE } from './policy/fair-share';
import { TranscodeModuleOptions } from './transcode.module-definition';

export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

class TranscodeEnvironment {
  @IsString()
  @IsNotEmpty()
  TRANSCODE_DIR: string = join(tmpdir(), 'stream', 'transcode');

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  MAX_CONCURRENT_TRANSCODES: number = 8;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1024)
  MAX_FFMPEG_PROCESSES?: number;

  /** The share of the encoder and process slots one user may hold while others wait (1: no share). */
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(1)
  MAX_USER_SHARE: number = DEFAULT_MAX_USER_SHARE;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  MAX_SESSIONS_PER_USER: number = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  TRANSCODE_TTL_SECONDS: number = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600)
  SEGMENT_WAIT_TIMEOUT_SECONDS: number = 30;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(30)
  SEGMENT_DURATION_SECONDS: number = 2;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_RANGE_SECONDS: number = 21600;

  @Type(() => Number)
  @IsInt()
  @Min(144)
  @Max(4320)
  OUTPUT_MAX_HEIGHT: number = 720;

  @IsString()
  @IsNotEmpty()
  FFMPEG_PATH: string = 'ffmpeg';

  @IsIn(X264_PRESETS)
  FFMPEG_PRESET: string = 'ultrafast';

  /** Browser-playable H.264 recordings are copied rather than encoded (`false`: always encode). */
  @IsIn(['true', 'false'])
  REMUX_H264: string = 'true';

  /**
   * Ranges of one camera hour, encoded at 1×, are views of the hour's shared track (its segments
   * cut on the camera's own time grid, made once for every range over them). `false` (the
   * default while tracks are being built, issue 25): every range makes its own segments.
   */
  @IsIn(['true', 'false'])
  SHARED_TRACKS: string = 'false';

  @IsIn([...HARDWARE_ACCELERATORS, ...Object.keys(FRIGATE_PRESET_ALIASES)], {
    message: `must be one of ${HARDWARE_ACCELERATORS.join(', ')}, or a Frigate preset (${Object.keys(FRIGATE_PRESET_ALIASES).join(', ')})`,
  })
  FFMPEG_HWACCEL: string = 'none';

  @IsOptional()
  @IsString()
  FFMPEG_HWACCEL_DEVICE?: string;

  @Type(() => Number)
  @IsInt()
  @Min(4)
  LOOKAHEAD_SECONDS: number = 60;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  IDLE_TIMEOUT_SECONDS: number = 30;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  TRANSCODE_MAX_DISK_MB: number = 2048;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  EXPORT_MAX_SECONDS: number = DEFAULT_EXPORT_MAX_SECONDS;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  SESSION_CREATE_LIMIT: number = 30;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  SESSION_CREATE_WINDOW_SECONDS: number = 60;
}

/** The `transcode` settings namespace, read from the environment and validated at start. */
export const transcodeConfig = registerAs('transcode', (): TranscodeModuleOptions => {
  const env = validateEnvironment(TranscodeEnvironment);
  const hwaccel = parseHardwareAccelerator(env.FFMPEG_HWACCEL) ?? 'none';
  const device = resolveHardwareDevice(hwaccel, env.FFMPEG_HWACCEL_DEVICE);
  if (device.error) {
    throw new InvalidSettingError(`Invalid setting FFMPEG_HWACCEL_DEVICE=${JSON.stringify(env.FFMPEG_HWACCEL_DEVICE ?? '')}: ${device.error}`);
  }
  const maxFfmpegProcesses = env.MAX_FFMPEG_PROCESSES ?? env.MAX_CONCURRENT_TRANSCODES * 2;
  if (maxFfmpegProcesses < env.MAX_CONCURRENT_TRANSCODES) {
    throw new InvalidSettingError(
      `Invalid setting MAX_FFMPEG_PROCESSES=${maxFfmpegProcesses}: must be at least MAX_CONCURRENT_TRANSCODES (${env.MAX_CONCURRENT_TRANSCODES})`,
    );
  }
  return {
    transcodeDir: resolve(env.TRANSCODE_DIR),
    maxConcurrentTranscodes: env.MAX_CONCURRENT_TRANSCODES,
    maxFfmpegProcesses,
    maxUserShare: env.MAX_USER_SHARE,
    maxSessionsPerUser: env.MAX_SESSIONS_PER_USER,
    ttlSeconds: env.TRANSCODE_TTL_SECONDS,
    segmentWaitTimeoutSeconds: env.SEGMENT_WAIT_TIMEOUT_SECONDS,
    segmentDurationSeconds: env.SEGMENT_DURATION_SECONDS,
    maxRangeSeconds: env.MAX_RANGE_SECONDS,
    outputMaxHeight: env.OUTPUT_MAX_HEIGHT,
    ffmpegPath: env.FFMPEG_PATH,
    ffmpegPreset: env.FFMPEG_PRESET,
    remuxH264: env.REMUX_H264 === 'true',
    sharedTracks: env.SHARED_TRACKS === 'true',
    lookaheadSeconds: env.LOOKAHEAD_SECONDS,
    idleTimeoutSeconds: env.IDLE_TIMEOUT_SECONDS,
    maxDiskBytes: env.TRANSCODE_MAX_DISK_MB * 1024 * 1024,
    exportMaxSeconds: env.EXPORT_MAX_SECONDS,
    sessionCreateLimit: env.SESSION_CREATE_LIMIT,
    sessionCreateWindowSeconds: env.SESSION_CREATE_WINDOW_SECONDS,
    hwaccel,
    hwaccelDevice: device.device,
  };
});
