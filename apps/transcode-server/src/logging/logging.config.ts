import { registerAs } from '@nestjs/config';
import { IsIn } from 'class-validator';
import { validateEnvironment } from '@app/common';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

class LoggingEnvironment {
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';
}

export interface LoggingConfig {
  level: LogLevel;
}

/** The `logging` settings namespace. */
export const loggingConfig = registerAs('logging', (): LoggingConfig => {
  const env = validateEnvironment(LoggingEnvironment);
  return { level: env.LOG_LEVEL };
});
