import { Inject, Injectable } from '@nestjs/common';
import { KeyObject, createSecretKey } from 'node:crypto';
import { sign, verify } from 'jsonwebtoken';
import { assertUsableSecret, streamTokenKey } from './jwt-keys';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions } from './auth.module-definition';

const STREAM_AUDIENCE = 'nvr-transcoder:stream';

export interface StreamTokenClaims {
  sessionId: string;
  camera: string;
}

/**
 * Short-lived tokens bound to one transcode session, carried in the playlist URL and in the
 * segment URIs, so players that cannot send headers (Safari, VLC, TVs, ffmpeg) can play.
 */
@Injectable()
export class StreamTokenService {
  /**
   * A KeyObject, made once: given raw bytes, jsonwebtoken tries to parse them as a public key on
   * every call and falls back to a secret only after that throws (about a millisecond of main
   * thread per segment request).
   */
  private readonly key: KeyObject;

  constructor(@Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions) {
    assertUsableSecret(options);
    this.key = createSecretKey(streamTokenKey(options.jwtSecret));
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
