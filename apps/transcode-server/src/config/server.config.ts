import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsIP, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ServerLimits, validateEnvironment } from '@app/common';

class ServerEnvironment {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /**
   * The one interface every port listens on (PORT, FRONT_DOOR_PORT, NODE_URL's): an IP address,
   * so it cannot resolve to several; all interfaces without it.
   */
  @IsOptional()
  @IsIP(undefined, { message: 'must be an IPv4 or IPv6 address of this host, e.g. 127.0.0.1 or 10.0.0.5 (all interfaces without it)' })
  BIND_ADDRESS?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60)
  SHUTDOWN_DRAIN_SECONDS: number = 0;

  /**
   * A connection that sends nor reads anything for this long is closed, within a request or between two (keep-alive); a
   * waiting segment request waits at most SEGMENT_WAIT_TIMEOUT_SECONDS. Keep it above a reverse proxy's upstream keep-alive (60 s).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_IDLE_TIMEOUT_SECONDS: number = 120;

  /** The whole request head must arrive within this (slow-header clients), the whole request within twice this. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600)
  HTTP_HEADERS_TIMEOUT_SECONDS: number = 20;

  /** Connections open at once; beyond, a new one is closed at once. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_CONNECTIONS: number = 4096;

  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,/]+(,\s*https?:\/\/[^\s,/]+)*)$/, {
    message: 'must be * or a comma-separated list of origins such as https://frigate.example.com',
  })
  CORS_ORIGINS?: string;
}

export interface ServerConfig {
  port: number;
  /** The address every port listens on; all interfaces when absent. */
  host?: string;
  /** After SIGTERM, /health answers 503 and requests are still served for this long. */
  shutdownDrainSeconds: number;
  /** Origins allowed to call the API from a browser (CORS); '*' for any; none by default (same origin only). */
  corsOrigins: string[] | '*';
  /** Limits of the HTTP server (see applyServerLimits in @app/common). */
  limits: ServerLimits;
}

/** The `server` settings namespace. */
export const serverConfig = registerAs('server', (): ServerConfig => {
  const env = validateEnvironment(ServerEnvironment);
  const origins = env.CORS_ORIGINS?.trim();
  return {
    port: env.PORT,
    ...(env.BIND_ADDRESS ? { host: env.BIND_ADDRESS } : {}),
    shutdownDrainSeconds: env.SHUTDOWN_DRAIN_SECONDS,
    limits: {
      idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      maxConnections: env.MAX_CONNECTIONS,
    },
    corsOrigins: origins === '*' ? '*' : origins ? origins.split(',').map((origin) => origin.trim()) : [],
  };
});
