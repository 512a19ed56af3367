import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, sign, verify } from 'jsonwebtoken';
import { AuthModuleOptions } from './auth.module-definition';
import { streamTokenKey } from './jwt-keys';
import { StreamTokenService } from './stream-token.service';

const OPTIONS: AuthModuleOptions = { disabled: false, jwtSecret: 's3cret', cookieName: 'frigate_token', roles: {} };
const CLAIMS = { sessionId: 'session-1', camera: 'garage' };
const AUDIENCE = 'nvr-transcoder:stream';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function lifetimeOf(token: string): number {
  const payload = decode(token) as { iat: number; exp: number };
  return payload.exp - payload.iat;
}

describe('StreamTokenService', () => {
  let service: StreamTokenService;

  beforeEach(() => {
    service = new StreamTokenService(OPTIONS);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('issue → verify gives back the session id and the camera', () => {
    const token = service.issue(CLAIMS, 300);
    expect(service.verify(token)).toEqual({ sessionId: 'session-1', camera: 'garage' });
  });

  it('verifies a token issued by another instance with the same secret', () => {
    const token = new StreamTokenService({ ...OPTIONS }).issue(CLAIMS, 300);
    expect(service.verify(token)).toEqual(CLAIMS);
  });

  it('signs HS256 with the derived stream key, for the stream audience', () => {
    const token = service.issue(CLAIMS, 300);
    const { header, payload } = decode(token, { complete: true }) as {
      header: { alg: string };
      payload: Record<string, unknown>;
    };
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ sid: 'session-1', cam: 'garage', aud: AUDIENCE });
  });

  it('rejects (null) a token signed by a service with another secret', () => {
    const other = new StreamTokenService({ ...OPTIONS, jwtSecret: 'other-secret' });
    expect(service.verify(other.issue(CLAIMS, 300))).toBeNull();
  });

  it('rejects (null) a token past its expiry', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const token = service.issue(CLAIMS, 60);
    jest.setSystemTime(new Date('2026-01-01T00:00:59Z'));
    expect(service.verify(token)).toEqual(CLAIMS);
    jest.setSystemTime(new Date('2026-01-01T00:01:01Z'));
    expect(service.verify(token)).toBeNull();
  });

  it('rejects (null) a token signed with the derived key but an exp in the past', () => {
    const now = Math.floor(Date.now() / 1000);
    const token = sign({ sid: 'session-1', cam: 'garage', aud: AUDIENCE, iat: now - 120, exp: now - 60 }, streamTokenKey('s3cret'), {
      algorithm: 'HS256',
    });
    expect(service.verify(token)).toBeNull();
  });

  it('accepts a hand-signed token with the derived key (so the rejections above are about the claims)', () => {
    const token = sign({ sid: 'session-1', cam: 'garage' }, streamTokenKey('s3cret'), {
      algorithm: 'HS256',
      audience: AUDIENCE,
      expiresIn: 60,
    });
    expect(service.verify(token)).toEqual(CLAIMS);
  });

  it('rejects (null) a login-style JWT signed with the plain secret', () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const login = sign({ sub: 'alice', role: 'admin', exp }, 's3cret', { algorithm: 'HS256' });
    expect(service.verify(login)).toBeNull();
    // Even when it carries the stream claims and audience, the plain secret does not sign stream tokens.
    const forged = sign({ sub: 'alice', role: 'admin', sid: 'session-1', cam: 'garage', aud: AUDIENCE, exp }, 's3cret', {
      algorithm: 'HS256',
    });
    expect(service.verify(forged)).toBeNull();
  });

  it('rejects (null) a token with the derived key but not for the stream audience', () => {
    const token = sign({ sid: 'session-1', cam: 'garage' }, streamTokenKey('s3cret'), { algorithm: 'HS256', expiresIn: 60 });
    expect(service.verify(token)).toBeNull();
  });

  it('rejects (null) a token without the session or camera claims', () => {
    const token = sign({ sid: 'session-1' }, streamTokenKey('s3cret'), {
      algorithm: 'HS256',
      audience: AUDIENCE,
      expiresIn: 60,
    });
    expect(service.verify(token)).toBeNull();
  });

  it.each(['', 'garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.e30.'])('rejects (null) garbage (%j)', (token) => {
    expect(service.verify(token)).toBeNull();
  });

  it('rejects (null) an `alg: none` token', () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sid: 'session-1', cam: 'garage', aud: AUDIENCE, exp })}.`;
    expect(service.verify(token)).toBeNull();
  });

  it('rejects (null) a token whose payload was altered after signing', () => {
    const [header, , signature] = service.issue(CLAIMS, 300).split('.');
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const tampered = `${header}.${base64url({ sid: 'session-2', cam: 'driveway', aud: AUDIENCE, exp })}.${signature}`;
    expect(service.verify(tampered)).toBeNull();
  });

  describe('lifetime', () => {
    it('uses the default TTL passed to issue when no streamTokenTtlSeconds is set', () => {
      expect(lifetimeOf(service.issue(CLAIMS, 300))).toBe(300);
      expect(lifetimeOf(service.issue(CLAIMS, 45))).toBe(45);
    });

    it('rounds a fractional default TTL up to whole seconds', () => {
      expect(lifetimeOf(service.issue(CLAIMS, 44.2))).toBe(45);
    });

    it('lets streamTokenTtlSeconds override the default TTL', () => {
      const configured = new StreamTokenService({ ...OPTIONS, streamTokenTtlSeconds: 60 });
      expect(lifetimeOf(configured.issue(CLAIMS, 300))).toBe(60);
      expect(lifetimeOf(configured.issue(CLAIMS, 5))).toBe(60);
    });
  });

  describe('enabled', () => {
    it('is true when auth is on', () => {
      expect(service.enabled).toBe(true);
    });

    it('is false when auth is disabled', () => {
      expect(new StreamTokenService({ ...OPTIONS, disabled: true }).enabled).toBe(false);
    });
  });
});

describe('StreamTokenService: a key of its own, not the secret shared with Frigate', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nvr-stream-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('signs with a random key kept in DATA_DIR: a token verifies after a restart, and under no key made from JWT_SECRET', () => {
    const file = join(dir, 'stream-token-key');
    const token = new StreamTokenService({ ...OPTIONS, streamTokenKeyFile: file }).issue(CLAIMS, 300);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new StreamTokenService({ ...OPTIONS, streamTokenKeyFile: file }).verify(token)).toEqual(CLAIMS);
    // Whoever holds a leaked token can test guesses of the shared secret against nothing.
    for (const key of [Buffer.from(OPTIONS.jwtSecret), streamTokenKey(OPTIONS.jwtSecret)]) {
      expect(() => verify(token, key, { algorithms: ['HS256'], audience: AUDIENCE })).toThrow(/invalid signature/);
    }
  });

  it('takes the key a cluster shares once the module starts: any node verifies any node’s token', async () => {
    const sharedKey = Buffer.alloc(32, 7);
    const source = { load: async () => sharedKey };
    const [a, b] = [
      new StreamTokenService({ ...OPTIONS, streamTokenKeyFile: join(dir, 'a') }, source),
      new StreamTokenService({ ...OPTIONS, streamTokenKeyFile: join(dir, 'b') }, source),
    ];
    await Promise.all([a.onModuleInit(), b.onModuleInit()]);
    expect(b.verify(a.issue(CLAIMS, 300))).toEqual(CLAIMS);
  });

  it.each([
    ['empty (a full disk)', ''],
    ['too short', 'abcd'],
    ['not hex', 'z'.repeat(64)],
  ])('refuses a key file that is %s, naming DATA_DIR: a short key would let anyone sign tokens', (_name, content) => {
    const file = join(dir, 'stream-token-key');
    writeFileSync(file, content);
    expect(() => new StreamTokenService({ ...OPTIONS, streamTokenKeyFile: file })).toThrow(/Invalid setting DATA_DIR: the stream-token key file/);
  });

  it('keeps its own key while the shared one cannot be read (Redis away at start), and takes the shared one when it can', async () => {
    jest.useFakeTimers();
    const sharedKey = Buffer.alloc(32, 9);
    let away = true;
    const source = { load: async () => (away ? Promise.reject(new Error('Redis away')) : sharedKey) };
    const service = new StreamTokenService({ ...OPTIONS, streamTokenKeyFile: join(dir, 'own') }, source);
    await service.onModuleInit();
    const own = service.issue(CLAIMS, 300);
    expect(service.verify(own)).toEqual(CLAIMS);
    away = false;
    await jest.advanceTimersByTimeAsync(5000);
    const other = new StreamTokenService({ ...OPTIONS, streamTokenKeyFile: join(dir, 'other') }, source);
    await other.onModuleInit();
    expect(other.verify(service.issue(CLAIMS, 300))).toEqual(CLAIMS);
    service.onModuleDestroy();
  });
});
