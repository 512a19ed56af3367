import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { KeyObject, createSecretKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sign, verify } from 'jsonwebtoken';
import { assertUsableSecret, streamTokenKey } from './jwt-keys';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions } from './auth.module-definition';

const STREAM_AUDIENCE = 'nvr-transcoder:stream';

/**
 * Where the stream-token key comes from when several nodes must share it (a cluster's Redis):
 * provided by the module that knows, found by the StreamTokenService if present.
 */
export interface StreamTokenKeySource {
  /** The shared key (made once, by whichever node asks first). */
  load(): Promise<Buffer>;
}

export const STREAM_TOKEN_KEY_SOURCE = Symbol('STREAM_TOKEN_KEY_SOURCE');

export interface StreamTokenClaims {
  sessionId: string;
  camera: string;
}

/**
 * Short-lived tokens bound to one transcode session, carried in the playlist URL and in the
 * segment URIs, so players that cannot send headers (Safari, VLC, TVs, ffmpeg) can play.
 */
@Injectable()
export class StreamTokenService implements OnModuleInit {
  /**
   * A KeyObject, made once: given raw bytes, jsonwebtoken tries to parse them as a public key on
   * every call and falls back to a secret only after that throws (about a millisecond of main
   * thread per segment request).
   */
  private key: KeyObject;

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions,
    @Optional() @Inject(STREAM_TOKEN_KEY_SOURCE) private readonly shared?: StreamTokenKeySource,
  ) {
    assertUsableSecret(options);
    this.key = createSecretKey(options.streamTokenKeyFile ? loadOrCreateKeyFile(options.streamTokenKeyFile) : streamTokenKey(options.jwtSecret));
  }

  /**
   * Stream tokens travel in URLs (logs, Referer headers, Home Assistant): their key is random,
   * never derived from the secret shared with Frigate, so a leaked token gives nothing to test
   * guesses of that secret against. A cluster's nodes share theirs through the registry.
   */
  async onModuleInit(): Promise<void> {
    if (this.enabled && this.shared) this.key = createSecretKey(await this.shared.load());
  }

  /** Whether stream tokens are in use at all (not when auth is off). */
  get enabled(): boolean {
    return !this.options.disabled;
  }

  /**
   * `defaultTtlSeconds` applies unless STREAM_TOKEN_TTL_SECONDS is set. A stream token never
   * outlives the login it was issued to (`notAfter`, epoch seconds, the login token's exp).
   */
  issue(claims: StreamTokenClaims, defaultTtlSeconds: number, notAfter?: number): string {
    const now = Math.floor(Date.now() / 1000);
    let exp = now + Math.max(1, Math.ceil(this.options.streamTokenTtlSeconds ?? defaultTtlSeconds));
    if (notAfter !== undefined) exp = Math.min(exp, Math.max(now + 1, Math.floor(notAfter)));
    return sign({ sid: claims.sessionId, cam: claims.camera, exp }, this.key, {
      algorithm: 'HS256',
      audience: STREAM_AUDIENCE,
    });
  }

  /** The claims of a valid, unexpired stream token; null for anything else. */
  verify(token: string): StreamTokenClaims | null {
    try {
      const payload = verify(token, this.key, { algorithms: ['HS256'], audience: STREAM_AUDIENCE });
      if (typeof payload !== 'object' || typeof payload.sid !== 'string' || typeof payload.cam !== 'string') {
        return null;
      }
      return { sessionId: payload.sid, camera: payload.cam };
    } catch {
      return null;
    }
  }
}

/** The random key in `path`, made (32 bytes, owner-only) when missing. */
function loadOrCreateKeyFile(path: string): Buffer {
  try {
    const existing = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
    if (existing.length >= 32) return existing;
  } catch {
    // Not there yet.
  }
  const key = randomBytes(32);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    // Another process made it meanwhile: theirs.
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  }
}
