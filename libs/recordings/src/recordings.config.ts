import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { IsNotEmpty, IsString } from 'class-validator';
import { validateEnvironment } from '@app/common';
import { RecordingsModuleOptions } from './recordings.module-definition';

class RecordingsEnvironment {
  @IsString()
  @IsNotEmpty()
  RECORDINGS_DIR: string = './data/recordings';

  @IsString()
  @IsNotEmpty()
  FFPROBE_PATH: string = 'ffprobe';
}

/** The `recordings` settings namespace, read from the environment and validated at start. */
export const recordingsConfig = registerAs('recordings', (): RecordingsModuleOptions => {
  const env = validateEnvironment(RecordingsEnvironment);
  return { recordingsDir: resolve(env.RECORDINGS_DIR), ffprobePath: env.FFPROBE_PATH };
});
