import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { validateEnvironment } from '@app/common';

class ServerEnvironment {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60)
  SHUTDOWN_DRAIN_SECONDS: number = 0;

  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,/]+(,\s*https?:\/\/[^\s,/]+)*)$/, {
    message: 'must be * or a comma-separated list of origins such as https://frigate.example.com',
  })
  CORS_ORIGINS?: string;
}

export interface ServerConfig {
  port: number;
  /** After SIGTERM, /health answers 503 and requests are still served for this long. */
  shutdownDrainSeconds: number;
  /** Origins allowed to call the API from a browser (CORS); '*' for any; none by default (same origin only). */
  corsOrigins: string[] | '*';
}

/** The `server` settings namespace. */
export const serverConfig = registerAs('server', (): ServerConfig => {
  const env = validateEnvironment(ServerEnvironment);
  const origins = env.CORS_ORIGINS?.trim();
  return {
    port: env.PORT,
    shutdownDrainSeconds: env.SHUTDOWN_DRAIN_SECONDS,
    corsOrigins: origins === '*' ? '*' : origins ? origins.split(',').map((origin) => origin.trim()) : [],
  };
});
