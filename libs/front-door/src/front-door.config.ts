import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { InvalidSettingError, validateEnvironment } from '@app/common';
import type { FrontDoorModuleOptions } from './front-door.module-definition';

class FrontDoorEnvironment {
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+\/?$/, { message: "must be Frigate's address, e.g. http://frigate:8971" })
  FRIGATE_URL?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  FRONT_DOOR_PORT?: number;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(300)
  FRONT_DOOR_AUTH_CACHE_SECONDS: number = 5;
}

/** The front door's settings: FRONT_DOOR_PORT turns it on, and then FRIGATE_URL is required. */
export function readFrontDoorSettings(env: NodeJS.ProcessEnv = process.env): FrontDoorModuleOptions {
  const settings = validateEnvironment(FrontDoorEnvironment, env);
  if (settings.FRONT_DOOR_PORT !== undefined && !settings.FRIGATE_URL) {
    throw new InvalidSettingError("Invalid setting FRIGATE_URL: required when FRONT_DOOR_PORT is set (Frigate's address, e.g. http://frigate:8971)");
  }
  return {
    ...(settings.FRONT_DOOR_PORT !== undefined ? { port: settings.FRONT_DOOR_PORT } : {}),
    ...(settings.FRIGATE_URL ? { frigateUrl: settings.FRIGATE_URL.replace(/\/+$/, '') } : {}),
    authCacheSeconds: settings.FRONT_DOOR_AUTH_CACHE_SECONDS,
  };
}

/** The `frontDoor` settings namespace, validated at start. */
export const frontDoorConfig = registerAs('frontDoor', (): FrontDoorModuleOptions => readFrontDoorSettings());
