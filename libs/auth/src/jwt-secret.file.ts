import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidSettingError } from '@app/common';

export const JWT_SECRET_FILE_NAME = 'jwt-secret';

/**
 * The secret used when JWT_SECRET is not set: read from the data dir, or made once (64 hex
 * characters, as Frigate makes its own) and kept there with owner-only permissions, so tokens
 * survive restarts. Runs once at start, before the app serves anything.
 */
export function loadOrCreateJwtSecret(dataDir: string): string {
  const path = join(dataDir, JWT_SECRET_FILE_NAME);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing) return existing;
  } catch {
    // Not there yet.
  }
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // wx: if another process made it meanwhile, theirs wins and is read back.
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    const theirs = readFileSync(path, 'utf8').trim();
    // An empty HS256 key would let anyone sign tokens: never run with one.
    if (!theirs) {
      throw new InvalidSettingError(`Invalid setting DATA_DIR: the JWT secret file ${path} is empty; delete it to have a new one made, or set JWT_SECRET`);
    }
    return theirs;
  }
}
