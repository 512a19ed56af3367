import { captureError } from '../../../test/support/capture-error';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidSettingError } from '@app/common';
import { JWT_SECRET_FILE_NAME, loadOrCreateJwtSecret } from './jwt-secret.file';

describe('loadOrCreateJwtSecret', () => {
  let root: string;
  let count = 0;
  /** A fresh, not yet existing data dir inside the temp root. */
  const nextDir = (): string => join(root, `data-${++count}`);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'nvr-jwt-secret-'));
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a 64-hex-character secret file with mode 0600 when absent', () => {
    const dir = nextDir();
    const secret = loadOrCreateJwtSecret(dir);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const path = join(dir, JWT_SECRET_FILE_NAME);
    expect(readFileSync(path, 'utf8').trim()).toBe(secret);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('makes a different secret for each new data dir', () => {
    expect(loadOrCreateJwtSecret(nextDir())).not.toBe(loadOrCreateJwtSecret(nextDir()));
  });

  it('returns the same secret on a second call', () => {
    const dir = nextDir();
    const first = loadOrCreateJwtSecret(dir);
    expect(loadOrCreateJwtSecret(dir)).toBe(first);
    expect(readFileSync(join(dir, JWT_SECRET_FILE_NAME), 'utf8').trim()).toBe(first);
  });

  it("reads an existing file's trimmed content and leaves the file as it was", () => {
    const dir = nextDir();
    const path = join(dir, JWT_SECRET_FILE_NAME);
    loadOrCreateJwtSecret(dir); // makes the dir
    writeFileSync(path, '  my own secret, at least 32 characters long \n\n');
    expect(loadOrCreateJwtSecret(dir)).toBe('my own secret, at least 32 characters long');
    expect(readFileSync(path, 'utf8')).toBe('  my own secret, at least 32 characters long \n\n');
  });

  it('creates the data dir, nested ones too, if missing', () => {
    const dir = join(nextDir(), 'nested', 'deeper');
    expect(existsSync(dir)).toBe(false);
    const secret = loadOrCreateJwtSecret(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(readFileSync(join(dir, JWT_SECRET_FILE_NAME), 'utf8').trim()).toBe(secret);
  });

  it.each([[''], ['\n'], ['   \n\t']])('refuses an empty or blank secret file (%j) rather than sign with an empty key', (content) => {
    const dir = nextDir();
    const path = join(dir, JWT_SECRET_FILE_NAME);
    loadOrCreateJwtSecret(dir);
    writeFileSync(path, content);
    expect(() => loadOrCreateJwtSecret(dir)).toThrow(path);
    expect(() => loadOrCreateJwtSecret(dir)).toThrow(/empty/);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it.each([['short-secret'], ['x'.repeat(31)]])(
    'refuses a secret file shorter than 32 characters (%j) as JWT_SECRET is refused, naming the file and not the secret',
    (secret) => {
      const dir = nextDir();
      const path = join(dir, JWT_SECRET_FILE_NAME);
      loadOrCreateJwtSecret(dir);
      writeFileSync(path, `${secret}\n`);
      const error = captureError(() => loadOrCreateJwtSecret(dir));
      expect(error).toBeInstanceOf(InvalidSettingError);
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/fewer than 32/);
      expect(error.message).not.toContain(secret);
      expect(readFileSync(path, 'utf8')).toBe(`${secret}\n`);
    },
  );

  it('takes a secret file of exactly 32 characters', () => {
    const dir = nextDir();
    loadOrCreateJwtSecret(dir);
    writeFileSync(join(dir, JWT_SECRET_FILE_NAME), 'y'.repeat(32));
    expect(loadOrCreateJwtSecret(dir)).toBe('y'.repeat(32));
  });
});
