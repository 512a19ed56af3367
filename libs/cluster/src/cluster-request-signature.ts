import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Headers of a signed request between the nodes. */
export const CLUSTER_TIME_HEADER = 'x-nvr-cluster-time';
export const CLUSTER_NONCE_HEADER = 'x-nvr-cluster-nonce';
export const CLUSTER_NODE_HEADER = 'x-nvr-cluster-node';
export const CLUSTER_SIGNATURE_HEADER = 'x-nvr-cluster-signature';
/** How far a request's time may be from the receiver's clock (and how long its nonce is remembered). */
export const SIGNATURE_WINDOW_MS = 30_000;

export interface SignedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** The body as sent ('' for none). */
  body: string;
  /**
   * The node it is for: the origin of that node's NODE_URL (`clusterNodeOf`). Each node keeps its
   * own spent nonces, so without it a request captured on its way to one node could be sent,
   * once more, to every other.
   */
  node: string;
}

/** A node's name in signatures: its NODE_URL's origin, as the sender (from the registry) and the node itself both write it. */
export function clusterNodeOf(nodeUrl: string): string {
  return new URL(nodeUrl).origin;
}

function signatureOf(key: string, request: SignedRequest, time: string, nonce: string): string {
  const bodyHash = createHash('sha256').update(request.body).digest('base64url');
  return createHmac('sha256', key).update([request.method.toUpperCase(), request.path, request.node, time, nonce, bodyHash].join('\n')).digest('base64url');
}

/**
 * The headers that sign a request to another node: the node it is for, the time, a nonce and
 * an HMAC of method, path, node, time, nonce and body under the cluster key. The key itself
 * never travels, and a captured request cannot be sent again (its nonce is spent), later (its
 * time is stale) or to another node (it names the one it was for).
 */
export function signClusterRequest(key: string, request: SignedRequest, now = Date.now()): Record<string, string> {
  const time = String(now);
  const nonce = randomBytes(16).toString('base64url');
  return {
    [CLUSTER_NODE_HEADER]: request.node,
    [CLUSTER_TIME_HEADER]: time,
    [CLUSTER_NONCE_HEADER]: nonce,
    [CLUSTER_SIGNATURE_HEADER]: signatureOf(key, request, time, nonce),
  };
}

/** `misdirected`: signed for another node; `flooded`: more fresh requests than this node can remember (refused, not forgotten). */
export type SignatureVerdict = 'valid' | 'missing' | 'stale' | 'replayed' | 'forged' | 'misdirected' | 'flooded';

/**
 * The nonces of the valid requests a node took, each remembered until its request's time has
 * left the window (a copy sent after that is stale anyway). At most `capacity` at once: when
 * full, a new request is refused rather than an old nonce forgotten, since forgetting one would
 * let its request be replayed.
 */
export class SpentNonces {
  /** nonce → when it may be forgotten; in the order they came (Map keeps it). */
  private readonly forgetAt = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.forgetAt.size;
  }

  /** Spends `nonce` of a request signed at `requestTime`: 'valid' the first time, 'replayed' after, 'flooded' when full. */
  spend(nonce: string, requestTime: number, now: number): 'valid' | 'replayed' | 'flooded' {
    this.forgetExpired(now);
    if (this.forgetAt.has(nonce)) return 'replayed';
    if (this.forgetAt.size >= this.capacity) return 'flooded';
    this.forgetAt.set(nonce, requestTime + SIGNATURE_WINDOW_MS);
    return 'valid';
  }

  /**
   * From the oldest, while they have expired: each request costs O(1) on average, not a scan.
   * One that expires later (its sender's clock was ahead) keeps those behind it a little longer,
   * at most two windows after they came, which only costs memory.
   */
  private forgetExpired(now: number): void {
    for (const [nonce, forgetAt] of this.forgetAt) {
      if (forgetAt >= now) return;
      this.forgetAt.delete(nonce);
    }
  }
}

/**
 * Checks a request's signature; `request.node` is the receiving node (`clusterNodeOf` its own
 * NODE_URL). `spent` learns the nonce when the request is valid.
 */
export function verifyClusterRequest(
  key: string,
  request: SignedRequest,
  headers: Record<string, unknown>,
  spent: SpentNonces,
  now = Date.now(),
): SignatureVerdict {
  const [node, time, nonce, signature] = [
    headers[CLUSTER_NODE_HEADER],
    headers[CLUSTER_TIME_HEADER],
    headers[CLUSTER_NONCE_HEADER],
    headers[CLUSTER_SIGNATURE_HEADER],
  ];
  if (
    typeof node !== 'string' ||
    typeof time !== 'string' ||
    typeof nonce !== 'string' ||
    typeof signature !== 'string' ||
    !/^\d{1,16}$/.test(time) ||
    nonce.length > 64 ||
    node.length > 256
  ) {
    return 'missing';
  }
  // Checked against the node it names, so that a valid request for another node says so.
  const expected = Buffer.from(signatureOf(key, { ...request, node }, time, nonce));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forged';
  if (node !== request.node) return 'misdirected';
  if (Math.abs(now - Number(time)) > SIGNATURE_WINDOW_MS) return 'stale';
  return spent.spend(nonce, Number(time), now);
}
