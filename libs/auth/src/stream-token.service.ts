import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { KeyObject, createSecretKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sign, verify } from 'jsonwebtoken';
import { InvalidSettingError } from '@app/common';
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
const SHARED_KEY_RETRY_MS = 5000;

export interface StreamTokenClaims {
  sessionId: string;
  camera: string;
}

/**
 * Short-lived tokens bound to one transcode session, carried in the playlist URL and in the
 * segment URIs, so players that cannot send headers (Safari, VLC, TVs, ffmpeg) can play.
 */
@Injectable()
export class StreamTokenService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StreamTokenService.name);
  private retry: NodeJS.Timeout | null = null;
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
    if (!this.enabled || !this.shared) return;
    // The registry may be away at start (a node serves its own sessions without it): this
    // node's own key until the shared one can be read, tried again every few seconds.
    const load = async (): Promise<boolean> => {
      try {
        this.key = createSecretKey(await this.shared!.load());
        return true;
      } catch (error) {
        this.logger.warn(`the cluster's stream-token key cannot be read yet (${(error as Error).message}); using this node's own meanwhile`);
        return false;
      }
    };
    if (await load()) return;
    this.retry = setInterval(() => void load().then((done) => done && this.stopRetrying()), SHARED_KEY_RETRY_MS);
    this.retry.unref();
  }

  onModuleDestroy(): void {
    this.stopRetrying();
  }

  private stopRetrying(): void {
    if (this.retry) clearInterval(this.retry);
    this.retry = null;
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

/**
 * The random key in `path`, made (32 bytes, owner-only) when missing. A file that holds
 * anything else (empty after a full disk, edited by hand) stops the app: a short key would let
 * anyone sign stream tokens.
 */
function loadOrCreateKeyFile(path: string): Buffer {
  const invalid = (reason: string) =>
    new InvalidSettingError(`Invalid setting DATA_DIR: the stream-token key file ${path} ${reason}; delete it to have a new one made`);
  const read = (): Buffer | null => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw invalid(`cannot be read (${(error as Error).message})`);
    }
    const key = /^[0-9a-f]{64,}$/i.test(text) ? Buffer.from(text, 'hex') : null;
    if (!key) throw invalid('does not hold a key (64 hex characters)');
    return key;
  };
  const existing = read();
  if (existing) return existing;
  const key = randomBytes(32);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    // Another process made it meanwhile: theirs (checked like any other).
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return read() ?? key;
    throw invalid(`cannot be written (${(error as Error).message})`);
  }
}
