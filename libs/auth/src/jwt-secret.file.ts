import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidSettingError, SHARED_SECRET_MIN_LENGTH } from '@app/common';

export const JWT_SECRET_FILE_NAME = 'jwt-secret';
/**
 * The shortest HS256 secret the service runs with, from JWT_SECRET or from the file alike: any
 * token (they travel in URLs and logs) lets its holder test guesses at the secret offline.
 */
export const JWT_SECRET_MIN_LENGTH = SHARED_SECRET_MIN_LENGTH;

/**
 * The secret used when JWT_SECRET is not set: read from the data dir, or made once (64 hex
 * characters, as Frigate makes its own) and kept there with owner-only permissions, so tokens
 * survive restarts. Runs once at start, before the app serves anything.
 */
export function loadOrCreateJwtSecret(dataDir: string): string {
  const path = join(dataDir, JWT_SECRET_FILE_NAME);
  const existing = readTrimmed(path);
  if (existing) return usableSecret(path, existing);
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // wx: if another process made it meanwhile, theirs wins and is read back.
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    return usableSecret(path, readFileSync(path, 'utf8').trim());
  }
}

/** The file's text without surrounding white space; null when it cannot be read (not there yet). */
function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The file's secret, or a refusal naming the file (never the secret): an empty or short HS256 key would let others sign tokens. */
function usableSecret(path: string, secret: string): string {
  const remedy = 'delete it to have a new one made, or set JWT_SECRET';
  if (!secret) throw new InvalidSettingError(`Invalid setting DATA_DIR: the JWT secret file ${path} is empty; ${remedy}`);
  if (secret.length < JWT_SECRET_MIN_LENGTH) {
    throw new InvalidSettingError(
      `Invalid setting DATA_DIR: the JWT secret file ${path} holds ${secret.length} characters, fewer than ${JWT_SECRET_MIN_LENGTH} (a shorter secret can be guessed from any token); ${remedy}`,
    );
  }
  return secret;
}
