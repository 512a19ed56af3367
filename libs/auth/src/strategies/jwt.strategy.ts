import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { parse as parseCookies } from 'cookie';
import type { Request } from 'express';
import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto';
import { decode, verify } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { parseRoleClaim } from '../access-policy';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions } from '../auth.module-definition';
import { assertUsableSecret, hmacKeysFor } from '../jwt-keys';
import { Principal } from '../principal';

/** Name the strategy registers under with passport. */
export const JWT_STRATEGY = 'jwt';

/**
 * Verifies login tokens as Frigate issues them: HS256 with the shared secret, from the
 * `Authorization: Bearer` header or the auth cookie; RS256/ES256 when a public key is set.
 * Algorithms are pinned, and each algorithm family only ever gets its own kind of key, so
 * `alg: none` and HS/RS confusion fail verification.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(@Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions) {
    assertUsableSecret(options);
    // KeyObjects made once (see StreamTokenService: raw bytes cost a failed public-key parse per call).
    const hmacKeys = hmacKeysFor(options.jwtSecret).map((key) => createSecretKey(key));
    const publicKey = options.jwtPublicKey;
    const publicKeyObject = publicKey ? createPublicKey(publicKey) : undefined;
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), (request: Request) => cookieToken(request, options.cookieName)]),
      secretOrKeyProvider: (_request: Request, rawToken: string, done: (err: unknown, key?: string | Buffer) => void) => {
        // A token whose header or payload is not JSON throws while being decoded: a 401, not a 500.
        try {
          // (passport-jwt hands the key to jsonwebtoken, which takes a KeyObject as it is.)
          done(null, verificationKey(rawToken, hmacKeys, publicKeyObject) as unknown as Buffer);
        } catch {
          done(new UnauthorizedException({ success: false, message: 'Invalid token: malformed' }));
        }
      },
      algorithms: publicKey ? ['HS256', 'RS256', 'ES256'] : ['HS256'],
      ignoreExpiration: false,
    });
  }

  /** Frigate's required claims: sub, role and exp. */
  validate(payload: Record<string, unknown>): Principal {
    if (typeof payload.sub !== 'string' || !payload.sub) throw invalid('the token has no sub claim');
    if (typeof payload.role !== 'string') throw invalid('the token has no role claim');
    if (typeof payload.exp !== 'number') throw invalid('the token has no exp claim');
    const cameras = payload.cameras;
    if (cameras !== undefined && !(Array.isArray(cameras) && cameras.every((c) => typeof c === 'string'))) {
      throw invalid('the cameras claim must be a list of camera names');
    }
    return {
      kind: 'user',
      sub: payload.sub,
      roles: parseRoleClaim(payload.role),
      cameras: cameras as string[] | undefined,
      expiresAt: payload.exp,
    };
  }
}

function invalid(message: string): UnauthorizedException {
  return new UnauthorizedException({ success: false, message: `Invalid token: ${message}` });
}

function cookieToken(request: Request, cookieName: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  return parseCookies(header)[cookieName] ?? null;
}

/**
 * The key to check a token with, chosen by its header: the public key only for RS256/ES256,
 * the shared secret only for HS256 (whichever of the secret's readings signed it).
 */
function verificationKey(rawToken: string, hmacKeys: KeyObject[], publicKey?: KeyObject): KeyObject {
  const header = decode(rawToken, { complete: true })?.header;
  if (publicKey && (header?.alg === 'RS256' || header?.alg === 'ES256')) return publicKey;
  return (
    hmacKeys.find((key) => {
      try {
        verify(rawToken, key, { algorithms: ['HS256'], ignoreExpiration: true, ignoreNotBefore: true });
        return true;
      } catch {
        return false;
      }
    }) ?? hmacKeys[0]
  );
}
