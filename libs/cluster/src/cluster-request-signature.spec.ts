import {
  CLUSTER_NODE_HEADER,
  CLUSTER_SIGNATURE_HEADER,
  CLUSTER_TIME_HEADER,
  SIGNATURE_WINDOW_MS,
  SpentNonces,
  SignedRequest,
  clusterNodeOf,
  signClusterRequest,
  verifyClusterRequest,
} from './cluster-request-signature';

const KEY = 'cluster-key';
const NODE_A = clusterNodeOf('http://10.0.0.5:3001');
const NODE_B = clusterNodeOf('http://10.0.0.6:3001');
const request: SignedRequest = { method: 'GET', path: '/internal/cluster/sessions/abc/seg_00001.ts?segmentQuery=x', body: '', node: NODE_A };
const T = 1_000_000;
const memory = () => new SpentNonces(1000);

describe('signed requests between nodes', () => {
  type Alter = (headers: Record<string, string>) => Record<string, string>;
  const asSent: Alter = (headers) => headers;
  it.each<[string, string, Alter, SignedRequest, number]>([
    ['a fresh request', 'valid', asSent, request, 0],
    ['no signature', 'missing', () => ({}), request, 0],
    ['no node named', 'missing', ({ [CLUSTER_NODE_HEADER]: _node, ...headers }) => headers, request, 0],
    ['another path', 'forged', asSent, { ...request, path: '/internal/cluster/sessions/other/seg_00001.ts' }, 0],
    ['another body', 'forged', asSent, { ...request, method: 'GET', body: '{"camera":"garage"}' }, 0],
    ['another method', 'forged', asSent, { ...request, method: 'DELETE' }, 0],
    ['a time moved by hand', 'forged', (headers) => ({ ...headers, [CLUSTER_TIME_HEADER]: String(Number(headers[CLUSTER_TIME_HEADER]) + 1) }), request, 0],
    ['signed for node A, sent to node B (a captured copy replayed elsewhere)', 'misdirected', asSent, { ...request, node: NODE_B }, 0],
    [
      'signed for node A, renamed by hand to node B and sent there',
      'forged',
      (headers) => ({ ...headers, [CLUSTER_NODE_HEADER]: NODE_B }),
      { ...request, node: NODE_B },
      0,
    ],
    ['sent 31 s later', 'stale', asSent, request, 31_000],
    ['a signature under another key', 'forged', () => signClusterRequest('other-key', request, T), request, 0],
  ])('%s: %s', (_name, verdict, alter, received, delay) => {
    const headers = alter(signClusterRequest(KEY, request, T));
    expect(verifyClusterRequest(KEY, received, headers, memory(), T + delay)).toBe(verdict);
  });

  it('names a node by its NODE_URL’s origin, however NODE_URL is written', () => {
    expect(clusterNodeOf('http://Node-A.lan:3001/')).toBe('http://node-a.lan:3001');
    expect(clusterNodeOf('https://node-a.lan:443')).toBe('https://node-a.lan');
  });

  it('takes a request once: the same one again (a captured copy) is refused', () => {
    const spent = memory();
    const headers = signClusterRequest(KEY, request, T);
    expect(verifyClusterRequest(KEY, request, headers, spent, T + 100)).toBe('valid');
    expect(verifyClusterRequest(KEY, request, headers, spent, T + 200)).toBe('replayed');
  });

  it('spends no nonce on a refused request', () => {
    const spent = memory();
    const headers = signClusterRequest(KEY, request, T);
    expect(verifyClusterRequest(KEY, { ...request, node: NODE_B }, headers, spent, T)).toBe('misdirected');
    expect(spent.size).toBe(0);
    expect(verifyClusterRequest(KEY, request, { ...headers, [CLUSTER_SIGNATURE_HEADER]: 'x' }, spent, T)).toBe('forged');
    expect(verifyClusterRequest(KEY, request, headers, spent, T)).toBe('valid');
  });
});

/**
 * The nonce memory on a fake clock. Each row: the requests (nonce, the time it was signed, when
 * it arrives) taken in order by a memory of `capacity`, and each one's answer.
 */
describe('SpentNonces', () => {
  const W = SIGNATURE_WINDOW_MS;
  type Arrival = [nonce: string, signedAt: number, arrivesAt: number, answer: 'valid' | 'replayed' | 'flooded'];
  it.each<[string, number, Arrival[]]>([
    [
      'a nonce is remembered for as long as its request is fresh, to the millisecond',
      10,
      [
        ['n1', T, T, 'valid'],
        ['n1', T, T + W, 'replayed'],
      ],
    ],
    [
      'a sender’s clock ahead: remembered until its own time leaves the window',
      10,
      [
        ['ahead', T + W, T, 'valid'],
        ['ahead', T + W, T + 2 * W, 'replayed'],
      ],
    ],
    [
      'full: a new request is refused, and every nonce remembered stays remembered (no wholesale clear)',
      2,
      [
        ['n1', T, T, 'valid'],
        ['n2', T, T + 1, 'valid'],
        ['n3', T, T + 2, 'flooded'],
        ['n1', T, T + 3, 'replayed'],
        ['n2', T, T + 4, 'replayed'],
      ],
    ],
    [
      'full: room again once the oldest requests have left the window',
      2,
      [
        ['n1', T, T, 'valid'],
        ['n2', T + 10_000, T + 10_000, 'valid'],
        ['n3', T + W, T + W, 'flooded'],
        ['n3', T + W + 1, T + W + 1, 'valid'],
        ['n2', T + 10_000, T + W + 2, 'replayed'],
        ['n4', T + W + 3, T + W + 3, 'flooded'],
      ],
    ],
  ])('%s', (_name, capacity, arrivals) => {
    const spent = new SpentNonces(capacity);
    expect(arrivals.map(([nonce, signedAt, arrivesAt]) => spent.spend(nonce, signedAt, arrivesAt))).toEqual(arrivals.map(([, , , answer]) => answer));
  });

  it('forgets nonces whose time has left the window, so the memory holds only the last window’s requests', () => {
    const spent = new SpentNonces(10);
    for (let i = 0; i < 5; i += 1) spent.spend(`old-${i}`, T + i, T + i);
    expect(spent.size).toBe(5);
    spent.spend('new', T + W + 10, T + W + 10);
    expect(spent.size).toBe(1);
  });
});
