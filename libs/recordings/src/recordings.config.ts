import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, ValidateIf } from 'class-validator';
import { validateEnvironment } from '@app/common';
import { DEFAULT_FRIGATE_VOD_URL } from './frigate-vod-recording.source';
import { RecordingsModuleOptions, RecordingsSourceKind } from './recordings.module-definition';

/** An http(s) URL with the three placeholders of a range. */
const VOD_URL_TEMPLATE = /^https?:\/\/[^\s]+$/;
const HTTP_URL = /^https?:\/\/[^\s{}]+$/;

class RecordingsEnvironment {
  @IsString()
  @IsNotEmpty()
  RECORDINGS_DIR: string = './data/recordings';

  @IsString()
  @IsNotEmpty()
  FFPROBE_PATH: string = 'ffprobe';

  @IsIn(['filesystem', 'frigate-db', 'frigate-vod'])
  RECORDINGS_SOURCE: RecordingsSourceKind = 'filesystem';

  @Matches(VOD_URL_TEMPLATE, { message: 'must be an http(s) URL' })
  @Matches(/\{camera\}/, { message: 'must contain {camera}' })
  @Matches(/\{start\}/, { message: 'must contain {start}' })
  @Matches(/\{end\}/, { message: 'must contain {end}' })
  FRIGATE_VOD_URL: string = DEFAULT_FRIGATE_VOD_URL;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  FRIGATE_API_URL?: string;

  @ValidateIf((env: RecordingsEnvironment) => env.RECORDINGS_SOURCE === 'frigate-db')
  @IsString({ message: 'FRIGATE_DB_PATH is required when RECORDINGS_SOURCE=frigate-db' })
  @IsNotEmpty({ message: 'FRIGATE_DB_PATH is required when RECORDINGS_SOURCE=frigate-db' })
  FRIGATE_DB_PATH?: string;

  @IsString()
  @IsNotEmpty()
  FRIGATE_MEDIA_ROOT: string = '/media/frigate';
}

/** The `recordings` settings namespace, read from the environment and validated at start. */
export const recordingsConfig = registerAs('recordings', (): RecordingsModuleOptions => {
  const env = validateEnvironment(RecordingsEnvironment);
  return {
    recordingsDir: resolve(env.RECORDINGS_DIR),
    ffprobePath: env.FFPROBE_PATH,
    source: env.RECORDINGS_SOURCE,
    frigateDbPath: env.FRIGATE_DB_PATH && resolve(env.FRIGATE_DB_PATH),
    frigateMediaRoot: resolve(env.FRIGATE_MEDIA_ROOT),
    frigateVodUrl: env.FRIGATE_VOD_URL,
    frigateApiUrl: env.FRIGATE_API_URL,
  };
});
