import { createHmac } from 'node:crypto';
import type { AuthModuleOptions } from './auth.module-definition';

/** An empty HS256 key would let anyone sign tokens; a library user may pass one by mistake. */
export function assertUsableSecret(options: AuthModuleOptions): void {
  if (!options.disabled && !options.jwtSecret) {
    throw new Error('AuthModule: jwtSecret must not be empty while auth is enabled');
  }
}

/**
 * Pure: the HS256 keys a secret stands for. Frigate signs with the secret string's own UTF-8
 * bytes (joserfc imports a str key as raw bytes), so that key comes first. For tools that sign
 * with the bytes a hex secret encodes, those bytes are accepted too.
 */
export function hmacKeysFor(secret: string): Buffer[] {
  const keys = [Buffer.from(secret, 'utf8')];
  if (secret.length > 0 && secret.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(secret)) {
    keys.push(Buffer.from(secret, 'hex'));
  }
  return keys;
}

/**
 * Pure: the key that signs stream tokens. Derived from the secret under its own label, so a
 * stream token can never pass as a login token (and a login token never as a stream token).
 */
export function streamTokenKey(secret: string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update('nvr-transcoder stream token v1').digest();
}
