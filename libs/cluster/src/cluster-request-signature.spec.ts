import { CLUSTER_SIGNATURE_HEADER, CLUSTER_TIME_HEADER, signClusterRequest, verifyClusterRequest } from './cluster-request-signature';

const KEY = 'cluster-key';
const request = { method: 'GET', path: '/internal/cluster/sessions/abc/seg_00001.ts?segmentQuery=x', body: '' };

describe('signed requests between nodes', () => {
  it.each([
    ['a fresh request', (h: Record<string, string>) => h, request, 0, 'valid'],
    ['no signature', () => ({}), request, 0, 'missing'],
    ['another path', (h: Record<string, string>) => h, { ...request, path: '/internal/cluster/sessions/other/seg_00001.ts' }, 0, 'forged'],
    ['another body', (h: Record<string, string>) => h, { ...request, method: 'GET', body: '{"camera":"garage"}' }, 0, 'forged'],
    ['another method', (h: Record<string, string>) => h, { ...request, method: 'DELETE' }, 0, 'forged'],
    [
      'a time moved by hand',
      (h: Record<string, string>) => ({ ...h, [CLUSTER_TIME_HEADER]: String(Number(h[CLUSTER_TIME_HEADER]) + 1) }),
      request,
      0,
      'forged',
    ],
    ['sent 31 s later', (h: Record<string, string>) => h, request, 31_000, 'stale'],
    ['a signature under another key', () => signClusterRequest('other-key', request, 1_000_000), request, 0, 'forged'],
  ])('%s: %s', (_name, alter, received, delay, verdict) => {
    const headers = alter(signClusterRequest(KEY, request, 1_000_000));
    expect(verifyClusterRequest(KEY, received, headers, new Map(), 1_000_000 + delay)).toBe(verdict);
  });

  it('takes a request once: the same one again (a captured copy) is refused', () => {
    const spent = new Map<string, number>();
    const headers = signClusterRequest(KEY, request, 1_000_000);
    expect(verifyClusterRequest(KEY, request, headers, spent, 1_000_100)).toBe('valid');
    expect(verifyClusterRequest(KEY, request, headers, spent, 1_000_200)).toBe('replayed');
  });

  it('forgets spent nonces once they could only be stale', () => {
    const spent = new Map<string, number>();
    verifyClusterRequest(KEY, request, signClusterRequest(KEY, request, 1_000_000), spent, 1_000_000);
    verifyClusterRequest(KEY, request, signClusterRequest(KEY, request, 1_100_000), spent, 1_100_000);
    expect(spent.size).toBe(1);
    expect(verifyClusterRequest(KEY, request, { [CLUSTER_SIGNATURE_HEADER]: 'x' }, spent, 1_100_000)).toBe('missing');
  });
});
