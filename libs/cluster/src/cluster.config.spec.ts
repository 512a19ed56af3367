import { InvalidSettingError } from '@app/common';
import { readClusterSettings } from './cluster.config';

describe('readClusterSettings', () => {
  it('is one node with an in-memory registry without REDIS_URL', () => {
    expect(readClusterSettings({})).toEqual({ nodeId: 'local', nodeTimeoutSeconds: 6 });
  });

  it('needs NODE_URL and a shared secret with REDIS_URL', () => {
    expect(() => readClusterSettings({ REDIS_URL: 'redis://r:6379' })).toThrow(/NODE_URL: required/);
    expect(() => readClusterSettings({ REDIS_URL: 'redis://r:6379', NODE_URL: 'http://n1:3001' })).toThrow(InvalidSettingError);
  });

  it('derives the cluster key from the secret (the same on every node, never the secret itself)', () => {
    const a = readClusterSettings({ REDIS_URL: 'redis://r:6379', NODE_URL: 'http://n1:3001', CLUSTER_SECRET: 's3cret' });
    const b = readClusterSettings({ REDIS_URL: 'redis://r:6379', NODE_URL: 'http://n2:3001/', JWT_SECRET: 'x', CLUSTER_SECRET: 's3cret' });
    expect(a.clusterKey).toBe(b.clusterKey);
    expect(a.clusterKey).not.toContain('s3cret');
    expect(b.nodeUrl).toBe('http://n2:3001');
    expect(a.nodeId).toMatch(/-3001$/);
    // JWT_SECRET stands in for CLUSTER_SECRET.
    expect(readClusterSettings({ REDIS_URL: 'redis://r', NODE_URL: 'http://n1:3001', JWT_SECRET: 'jwt' }).clusterKey).toBeDefined();
  });

  it('refuses a NODE_URL on PORT: the nodes’ own routes listen apart from the public ones', () => {
    expect(() => readClusterSettings({ REDIS_URL: 'redis://r', NODE_URL: 'http://n1:3000', CLUSTER_SECRET: 'x', PORT: '3000' })).toThrow(
      /Invalid setting NODE_URL=.*must not be PORT/,
    );
  });

  it.each([
    ['REDIS_URL', { REDIS_URL: 'http://r:6379' }],
    ['NODE_URL', { REDIS_URL: 'redis://r', NODE_URL: 'n1:3001', CLUSTER_SECRET: 'x' }],
    ['NODE_ID', { REDIS_URL: 'redis://r', NODE_ID: 'has spaces' }],
    ['NODE_TIMEOUT_SECONDS', { REDIS_URL: 'redis://r', NODE_TIMEOUT_SECONDS: '1' }],
  ])('names %s when it is wrong', (name, env) => {
    expect(() => readClusterSettings(env)).toThrow(new RegExp(`Invalid setting ${name}`));
  });

  it('ignores the node settings of a single node (they were not settings before clustering)', () => {
    expect(readClusterSettings({ NODE_ID: 'has spaces', NODE_URL: 'nope', NODE_TIMEOUT_SECONDS: 'x' })).toEqual({ nodeId: 'local', nodeTimeoutSeconds: 6 });
  });
});
