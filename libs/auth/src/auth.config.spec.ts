import { captureError } from '../../../test/support/capture-error';
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidSettingError } from '@app/common';
import { authConfig } from './auth.config';
import { JWT_SECRET_FILE_NAME } from './jwt-secret.file';

/** Every variable the auth settings read; cleared before each test so the host's own do not leak in. */
const AUTH_VARIABLES = ['AUTH_DISABLED', 'JWT_SECRET', 'JWT_PUBLIC_KEY', 'AUTH_COOKIE_NAME', 'AUTH_ROLES', 'STREAM_TOKEN_TTL_SECONDS', 'DATA_DIR'];

/** Asserts authConfig() fails with an InvalidSettingError whose message names the variable. */
function expectInvalidSetting(variable: string): InvalidSettingError {
  const error = captureError(() => authConfig());
  expect(error).toBeInstanceOf(InvalidSettingError);
  expect(error.message).toContain(variable);
  return error as InvalidSettingError;
}

describe('authConfig', () => {
  let savedEnv: NodeJS.ProcessEnv;
  let root: string;
  let dataDir: string;
  let count = 0;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'nvr-auth-config-'));
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    savedEnv = { ...process.env };
    for (const name of AUTH_VARIABLES) delete process.env[name];
    // Never let a test write into the project's ./data.
    dataDir = join(root, `data-${++count}`);
    process.env.DATA_DIR = dataDir;
  });

  afterEach(() => {
    process.env = savedEnv;
  });

  it('is the `auth` namespace', () => {
    expect(authConfig.KEY).toBe('CONFIGURATION(auth)');
  });

  describe('defaults', () => {
    it('with nothing set: enabled, cookie frigate_token, no roles, no public key, no stream TTL', () => {
      const config = authConfig();
      expect(config.disabled).toBe(false);
      expect(config.cookieName).toBe('frigate_token');
      expect(config.roles).toEqual({});
      expect(config.jwtPublicKey).toBeUndefined();
      expect(config.streamTokenTtlSeconds).toBeUndefined();
    });

    it('generates a secret and persists it under DATA_DIR, reusing it next time', () => {
      const config = authConfig();
      expect(config.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
      const path = join(dataDir, JWT_SECRET_FILE_NAME);
      expect(readFileSync(path, 'utf8').trim()).toBe(config.jwtSecret);
      expect(authConfig().jwtSecret).toBe(config.jwtSecret);
    });
  });

  it('uses JWT_SECRET as given, and writes no secret file', () => {
    process.env.JWT_SECRET = 'frigate-shared-secret-of-32-chars';
    expect(authConfig().jwtSecret).toBe('frigate-shared-secret-of-32-chars');
    expect(existsSync(join(dataDir, JWT_SECRET_FILE_NAME))).toBe(false);
  });

  it.each(['s3cret', 'x'.repeat(31)])('refuses a JWT_SECRET of %j (under 32 characters), naming it', (secret) => {
    process.env.JWT_SECRET = secret;
    expectInvalidSetting('JWT_SECRET');
  });

  it('takes 32 characters', () => {
    process.env.JWT_SECRET = 'x'.repeat(32);
    expect(authConfig().jwtSecret).toBe('x'.repeat(32));
  });

  describe('AUTH_DISABLED', () => {
    beforeEach(() => {
      process.env.JWT_SECRET = 's3cret-but-unused-while-auth-is-off';
    });

    it.each(['true', 'TRUE', 'True', '1', 'yes', 'YES', 'Yes'])('reads %j as true', (value) => {
      process.env.AUTH_DISABLED = value;
      expect(authConfig().disabled).toBe(true);
    });

    it.each(['false', 'FALSE', 'False', '0', 'no', 'NO', 'No'])('reads %j as false', (value) => {
      process.env.AUTH_DISABLED = value;
      expect(authConfig().disabled).toBe(false);
    });

    it('treats an empty AUTH_DISABLED as unset (false)', () => {
      process.env.AUTH_DISABLED = '';
      expect(authConfig().disabled).toBe(false);
    });

    it.each(['maybe', 'on', '2', 'truthy'])('rejects %j with an InvalidSettingError naming AUTH_DISABLED', (value) => {
      process.env.AUTH_DISABLED = value;
      expectInvalidSetting('AUTH_DISABLED');
    });

    it('when disabled without JWT_SECRET, makes no secret file', () => {
      delete process.env.JWT_SECRET;
      process.env.AUTH_DISABLED = 'true';
      const config = authConfig();
      expect(config.disabled).toBe(true);
      expect(config.jwtSecret).toBeTruthy();
      expect(existsSync(join(dataDir, JWT_SECRET_FILE_NAME))).toBe(false);
    });
  });

  describe('AUTH_ROLES', () => {
    beforeEach(() => {
      process.env.JWT_SECRET = 's3cret-s3cret-s3cret-s3cret-s3cret';
    });

    it('parses a JSON object mapping roles to camera lists', () => {
      process.env.AUTH_ROLES = '{"garage_only": ["garage"], "outside": ["driveway", "front_door"], "none": []}';
      expect(authConfig().roles).toEqual({ garage_only: ['garage'], outside: ['driveway', 'front_door'], none: [] });
    });

    it('rejects invalid JSON with an InvalidSettingError naming AUTH_ROLES', () => {
      process.env.AUTH_ROLES = '{garage_only: [garage]}';
      expect(expectInvalidSetting('AUTH_ROLES').message).toMatch(/not valid JSON/);
    });

    it.each([
      ['an array', '["garage"]'],
      ['an object with a non-array value', '{"garage_only": "garage"}'],
      ['an object with a null value', '{"garage_only": null}'],
      ['an array holding numbers', '{"garage_only": [1, 2]}'],
      ['an array mixing strings and numbers', '{"garage_only": ["garage", 2]}'],
      ['null', 'null'],
      ['a string', '"garage"'],
      ['a number', '42'],
    ])('rejects %s with an InvalidSettingError naming AUTH_ROLES', (_shape, json) => {
      process.env.AUTH_ROLES = json;
      expect(expectInvalidSetting('AUTH_ROLES').message).toMatch(/JSON object mapping each role/);
    });
  });

  describe('JWT_PUBLIC_KEY', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rsaPkcs1PublicPem = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const ecPublicPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

    beforeEach(() => {
      process.env.JWT_SECRET = 's3cret-s3cret-s3cret-s3cret-s3cret';
    });

    it.each([
      ['an RSA public key (SPKI)', () => rsaPublicPem, () => rsaPublicPem],
      ['an RSA public key (PKCS#1)', () => rsaPkcs1PublicPem, () => rsaPublicPem],
      ['an EC public key', () => ecPublicPem, () => ecPublicPem],
    ])('accepts %s given inline, as SPKI PEM', (_kind, given, expected) => {
      process.env.JWT_PUBLIC_KEY = given();
      expect(authConfig().jwtPublicKey).toBe(expected());
    });

    it.each([
      ['an RSA public key', () => rsaPublicPem],
      ['an EC public key', () => ecPublicPem],
    ])('accepts %s given as a file path', (kind, pem) => {
      const path = join(root, `${kind.replace(/ /g, '-')}-${count}.pem`);
      writeFileSync(path, pem());
      process.env.JWT_PUBLIC_KEY = path;
      expect(authConfig().jwtPublicKey).toBe(pem());
    });

    it.each([
      ['garbage', () => 'this is not a key'],
      ['garbage dressed as PEM', () => '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n'],
      ['a symmetric secret', () => 's3cret'],
      ['a hex symmetric secret', () => 'ab'.repeat(32)],
      ['a path to no file', () => join(root, 'missing.pem')],
      ['an RSA private key (PKCS#8)', () => rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
      ['an RSA private key (PKCS#1)', () => rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()],
      ['an EC private key (SEC1)', () => ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString()],
      ['an Ed25519 public key (neither RSA nor EC)', () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    ])('rejects %s with an InvalidSettingError naming JWT_PUBLIC_KEY', (_kind, value) => {
      process.env.JWT_PUBLIC_KEY = value();
      expectInvalidSetting('JWT_PUBLIC_KEY');
    });

    it('rejects a file holding a private key', () => {
      const path = join(root, `private-${count}.pem`);
      writeFileSync(path, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      process.env.JWT_PUBLIC_KEY = path;
      expectInvalidSetting('JWT_PUBLIC_KEY');
    });
  });

  describe('STREAM_TOKEN_TTL_SECONDS', () => {
    beforeEach(() => {
      process.env.JWT_SECRET = 's3cret-s3cret-s3cret-s3cret-s3cret';
    });

    it('is parsed as a number', () => {
      process.env.STREAM_TOKEN_TTL_SECONDS = '120';
      expect(authConfig().streamTokenTtlSeconds).toBe(120);
    });

    it('accepts the minimum, 10', () => {
      process.env.STREAM_TOKEN_TTL_SECONDS = '10';
      expect(authConfig().streamTokenTtlSeconds).toBe(10);
    });

    it.each(['5', '9', '0', '-60', '12.5', 'soon'])('rejects %j with an InvalidSettingError naming STREAM_TOKEN_TTL_SECONDS', (value) => {
      process.env.STREAM_TOKEN_TTL_SECONDS = value;
      expectInvalidSetting('STREAM_TOKEN_TTL_SECONDS');
    });
  });

  describe('AUTH_COOKIE_NAME', () => {
    beforeEach(() => {
      process.env.JWT_SECRET = 's3cret-s3cret-s3cret-s3cret-s3cret';
    });

    it('uses a valid cookie name as given', () => {
      process.env.AUTH_COOKIE_NAME = 'my_token-2';
      expect(authConfig().cookieName).toBe('my_token-2');
    });

    it.each(['my token', 'a;b', 'a=b', 'x'.repeat(65)])('rejects %j with an InvalidSettingError naming AUTH_COOKIE_NAME', (value) => {
      process.env.AUTH_COOKIE_NAME = value;
      expectInvalidSetting('AUTH_COOKIE_NAME');
    });
  });
});
