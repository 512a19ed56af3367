import { registerAs } from '@nestjs/config';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Min, MinLength, ValidateIf } from 'class-validator';
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidSettingError, validateEnvironment } from '@app/common';
import { AuthModuleOptions } from './auth.module-definition';
import { JWT_SECRET_MIN_LENGTH, loadOrCreateJwtSecret } from './jwt-secret.file';

class AuthEnvironment {
  // From the raw string: implicit conversion would turn "false" into true.
  @Transform(({ obj, key, value }) => (typeof obj[key] === 'string' ? parseBoolean(obj[key]) : value))
  @IsBoolean({ message: 'AUTH_DISABLED must be true or false' })
  AUTH_DISABLED: boolean = false;

  // Refused below 32 characters rather than warned about: login and stream tokens travel in
  // URLs, logs and Referer headers, and any one of them lets whoever holds it test guesses at the
  // secret offline, as fast as they can compute HMACs. 32 random characters are past that;
  // Frigate's own generated secret has 64 (it warns below that).
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @ValidateIf((env: AuthEnvironment) => !env.AUTH_DISABLED)
  @MinLength(JWT_SECRET_MIN_LENGTH, {
    message: `JWT_SECRET must be at least ${JWT_SECRET_MIN_LENGTH} characters (openssl rand -hex 32); a shorter one can be guessed from any token`,
  })
  JWT_SECRET?: string;

  /** PEM text, or the path of a PEM file. */
  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEY?: string;

  @Matches(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/, { message: 'AUTH_COOKIE_NAME must be a valid cookie name' })
  AUTH_COOKIE_NAME: string = 'frigate_token';

  /** JSON object: role → list of cameras. */
  @IsString()
  AUTH_ROLES: string = '{}';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  STREAM_TOKEN_TTL_SECONDS?: number;

  /** Where the generated JWT secret is kept when JWT_SECRET is not set. */
  @IsString()
  @IsNotEmpty()
  DATA_DIR: string = './data';
}

/** The `auth` settings namespace, read from the environment and validated at start. */
/** The file in DATA_DIR that holds the stream-token key. */
export const STREAM_TOKEN_KEY_FILE_NAME = 'stream-token-key';

export const authConfig = registerAs('auth', (): AuthModuleOptions => {
  const env = validateEnvironment(AuthEnvironment);
  return {
    disabled: env.AUTH_DISABLED,
    jwtSecret: env.JWT_SECRET ?? (env.AUTH_DISABLED ? 'auth-disabled' : loadOrCreateJwtSecret(resolve(env.DATA_DIR))),
    jwtPublicKey: env.JWT_PUBLIC_KEY ? readPublicKey(env.JWT_PUBLIC_KEY) : undefined,
    cookieName: env.AUTH_COOKIE_NAME,
    roles: parseRoleCameras(env.AUTH_ROLES),
    streamTokenTtlSeconds: env.STREAM_TOKEN_TTL_SECONDS,
    // The random key of stream tokens, kept beside the generated secret.
    ...(env.AUTH_DISABLED ? {} : { streamTokenKeyFile: join(resolve(env.DATA_DIR), STREAM_TOKEN_KEY_FILE_NAME) }),
  };
});

function parseBoolean(value: string): boolean | string {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  return value;
}

/** AUTH_ROLES: `{"garage_only": ["garage"], "outside": ["driveway", "front_door"]}`. */
export function parseRoleCameras(json: string): Record<string, string[]> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new InvalidSettingError(`Invalid setting AUTH_ROLES=${JSON.stringify(json)}: not valid JSON`);
  }
  const valid =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((cameras) => Array.isArray(cameras) && cameras.every((c) => typeof c === 'string'));
  if (!valid) {
    throw new InvalidSettingError(`Invalid setting AUTH_ROLES=${JSON.stringify(json)}: must be a JSON object mapping each role to a list of camera names`);
  }
  return value as Record<string, string[]>;
}

function readPublicKey(setting: string): string {
  try {
    const pem = setting.includes('-----BEGIN') ? setting : existsSync(setting) ? readFileSync(setting, 'utf8') : setting;
    // createPublicKey would quietly derive the public half of a private key; a private key does not belong here.
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) throw new Error('this is a private key');
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') throw new Error('not an RSA or EC key');
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch (error) {
    throw new InvalidSettingError(
      `Invalid setting JWT_PUBLIC_KEY: not an RSA or EC public key in PEM form, nor a file holding one (${(error as Error).message})`,
    );
  }
}
