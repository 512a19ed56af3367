import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
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
}

export interface ServerConfig {
  port: number;
  /** After SIGTERM, /health answers 503 and requests are still served for this long. */
  shutdownDrainSeconds: number;
}

/** The `server` settings namespace. */
export const serverConfig = registerAs('server', (): ServerConfig => {
  const env = validateEnvironment(ServerEnvironment);
  return { port: env.PORT, shutdownDrainSeconds: env.SHUTDOWN_DRAIN_SECONDS };
});
