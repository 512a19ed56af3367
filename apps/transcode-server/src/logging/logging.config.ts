import { registerAs } from '@nestjs/config';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { resolve } from 'node:path';
import { validateEnvironment } from '@app/common';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

class LoggingEnvironment {
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** A file the JSON log lines are appended to instead of stdout (the test suite keeps its output for results). */
  @IsOptional()
  @IsString()
  LOG_FILE?: string;
}

export interface LoggingConfig {
  level: LogLevel;
  /** Append to this file instead of writing to stdout. */
  file?: string;
}

/** The `logging` settings namespace. */
export const loggingConfig = registerAs('logging', (): LoggingConfig => {
  const env = validateEnvironment(LoggingEnvironment);
  return { level: env.LOG_LEVEL, ...(env.LOG_FILE ? { file: resolve(env.LOG_FILE) } : {}) };
});
