import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { IsIn, IsNotEmpty, IsString, ValidateIf } from 'class-validator';
import { validateEnvironment } from '@app/common';
import { RecordingsModuleOptions, RecordingsSourceKind } from './recordings.module-definition';

class RecordingsEnvironment {
  @IsString()
  @IsNotEmpty()
  RECORDINGS_DIR: string = './data/recordings';

  @IsString()
  @IsNotEmpty()
  FFPROBE_PATH: string = 'ffprobe';

  @IsIn(['filesystem', 'frigate-db'])
  RECORDINGS_SOURCE: RecordingsSourceKind = 'filesystem';

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
  };
});
