import { InvalidSettingError } from '@app/common';
import { readClusterSettings } from './cluster.config';

/** Secrets of the length every node's secret must have (32 characters or more). */
const SECRET = 's3cret-s3cret-s3cret-s3cret-s3cr';
const JWT = 'jwt-secret-jwt-secret-jwt-secret';

describe('readClusterSettings', () => {
  it('is one node with an in-memory registry without REDIS_URL', () => {
    expect(readClusterSettings({})).toEqual({ nodeId: 'local', nodeTimeoutSeconds: 6 });
  });

  it('needs NODE_URL and a shared secret with REDIS_URL', () => {
    expect(() => readClusterSettings({ REDIS_URL: 'redis://r:6379' })).toThrow(/NODE_URL: required/);
    expect(() => readClusterSettings({ REDIS_URL: 'redis://r:6379', NODE_URL: 'http://n1:3001' })).toThrow(InvalidSettingError);
  });

  it('derives the cluster key from the secret (the same on every node, never the secret itself)', () => {
    const a = readClusterSettings({ REDIS_URL: 'redis://r:6379', NODE_URL: 'http://n1:3001', CLUSTER_SECRET: SECRET });
    const b = readClusterSettings({ REDIS_URL: 'redis://r:6379', NODE_URL: 'http://n2:3001/', JWT_SECRET: 'x', CLUSTER_SECRET: SECRET });
    expect(a.clusterKey).toBe(b.clusterKey);
    expect(a.clusterKey).not.toContain('s3cret');
    expect(a.clusterKey).not.toContain(SECRET);
    expect(b.nodeUrl).toBe('http://n2:3001');
    expect(a.nodeId).toMatch(/-3001$/);
    // JWT_SECRET stands in for CLUSTER_SECRET.
    expect(readClusterSettings({ REDIS_URL: 'redis://r', NODE_URL: 'http://n1:3001', JWT_SECRET: JWT }).clusterKey).toBeDefined();
  });

  it.each([
    ['CLUSTER_SECRET', { CLUSTER_SECRET: 'Zq9' }, /^Invalid setting CLUSTER_SECRET: must be at least 32 characters/],
    ['CLUSTER_SECRET', { CLUSTER_SECRET: `Zq9${SECRET.slice(4)}`, JWT_SECRET: JWT }, /^Invalid setting CLUSTER_SECRET: must be at least 32/],
    // The fallback is held to it too, also where auth is off and nothing else reads JWT_SECRET.
    ['JWT_SECRET', { JWT_SECRET: 'Zq9-jwt' }, /^Invalid setting JWT_SECRET: must be at least 32 characters .*stands in for CLUSTER_SECRET/],
    ['JWT_SECRET', { JWT_SECRET: 'Zq9-jwt', AUTH_DISABLED: 'true' }, /^Invalid setting JWT_SECRET: must be at least 32/],
  ])('refuses a %s shorter than 32 characters, naming it and never echoing it', (_name, env, message) => {
    const read = () => readClusterSettings({ REDIS_URL: 'redis://r', NODE_URL: 'http://n1:3001', ...env });
    expect(read).toThrow(InvalidSettingError);
    expect(read).toThrow(message);
    expect(read).not.toThrow(/Zq9/);
  });

  it('takes a secret of exactly 32 characters', () => {
    expect(readClusterSettings({ REDIS_URL: 'redis://r', NODE_URL: 'http://n1:3001', CLUSTER_SECRET: 'x'.repeat(32) }).clusterKey).toBeDefined();
  });

  it('refuses a NODE_URL on PORT: the nodes’ own routes listen apart from the public ones', () => {
    expect(() => readClusterSettings({ REDIS_URL: 'redis://r', NODE_URL: 'http://n1:3000', CLUSTER_SECRET: SECRET, PORT: '3000' })).toThrow(
      /Invalid setting NODE_URL=.*must not be PORT/,
    );
  });

  it.each([
    ['REDIS_URL', { REDIS_URL: 'http://r:6379' }],
    ['NODE_URL', { REDIS_URL: 'redis://r', NODE_URL: 'n1:3001', CLUSTER_SECRET: SECRET }],
    ['NODE_ID', { REDIS_URL: 'redis://r', NODE_ID: 'has spaces' }],
    ['NODE_TIMEOUT_SECONDS', { REDIS_URL: 'redis://r', NODE_TIMEOUT_SECONDS: '1' }],
  ])('names %s when it is wrong', (name, env) => {
    expect(() => readClusterSettings(env)).toThrow(new RegExp(`Invalid setting ${name}`));
  });

  it('ignores the node settings of a single node (they were not settings before clustering)', () => {
    expect(readClusterSettings({ NODE_ID: 'has spaces', NODE_URL: 'nope', NODE_TIMEOUT_SECONDS: 'x' })).toEqual({ nodeId: 'local', nodeTimeoutSeconds: 6 });
  });
});
