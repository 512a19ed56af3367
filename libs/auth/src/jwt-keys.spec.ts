import { createHmac } from 'node:crypto';
import { hmacKeysFor, streamTokenKey } from './jwt-keys';

describe('hmacKeysFor', () => {
  it('gives only the UTF-8 bytes of a secret that is not hex', () => {
    expect(hmacKeysFor('s3cret-not-hex')).toEqual([Buffer.from('s3cret-not-hex', 'utf8')]);
  });

  it('gives the UTF-8 bytes of a non-ASCII secret', () => {
    const keys = hmacKeysFor('pässwörd');
    expect(keys).toHaveLength(1);
    expect(keys[0].equals(Buffer.from('pässwörd', 'utf8'))).toBe(true);
  });

  it('gives the UTF-8 bytes first, then the decoded bytes, for an even-length hex secret', () => {
    const secret = 'deadBEEF0123';
    const keys = hmacKeysFor(secret);
    expect(keys).toHaveLength(2);
    expect(keys[0].equals(Buffer.from(secret, 'utf8'))).toBe(true);
    expect(keys[1].equals(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x23]))).toBe(true);
  });

  it('decodes a 64-hex-character secret (as Frigate makes them) to 32 bytes', () => {
    const secret = 'ab'.repeat(32);
    const [utf8, decoded] = hmacKeysFor(secret);
    expect(utf8).toHaveLength(64);
    expect(decoded).toHaveLength(32);
    expect(decoded.every((byte) => byte === 0xab)).toBe(true);
  });

  it('gives only the UTF-8 bytes for an odd-length hex secret', () => {
    expect(hmacKeysFor('abcde')).toEqual([Buffer.from('abcde', 'utf8')]);
  });

  it('gives only the UTF-8 bytes when hex digits are mixed with other characters', () => {
    expect(hmacKeysFor('abcdxz')).toEqual([Buffer.from('abcdxz', 'utf8')]);
  });
});

describe('streamTokenKey', () => {
  it('is deterministic', () => {
    expect(streamTokenKey('s3cret').equals(streamTokenKey('s3cret'))).toBe(true);
  });

  it('is 32 bytes', () => {
    expect(streamTokenKey('s3cret')).toHaveLength(32);
    expect(streamTokenKey('x'.repeat(500))).toHaveLength(32);
  });

  it('is an HMAC-SHA256 of its own label under the secret', () => {
    const expected = createHmac('sha256', 's3cret').update('nvr-transcoder stream token v1').digest();
    expect(streamTokenKey('s3cret').equals(expected)).toBe(true);
  });

  it('differs from the UTF-8 secret and from the decoded hex secret', () => {
    const secret = 'ab'.repeat(16); // 32 characters, decodes to 16 bytes
    const key = streamTokenKey(secret);
    for (const loginKey of hmacKeysFor(secret)) expect(key.equals(loginKey)).toBe(false);
    const secret32 = 'k'.repeat(32); // same length as the derived key
    expect(streamTokenKey(secret32).equals(Buffer.from(secret32, 'utf8'))).toBe(false);
  });

  it('differs per secret', () => {
    expect(streamTokenKey('s3cret').equals(streamTokenKey('s3cret2'))).toBe(false);
    expect(streamTokenKey('a').equals(streamTokenKey('b'))).toBe(false);
  });
});
