import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Headers of a signed request between the nodes. */
export const CLUSTER_TIME_HEADER = 'x-nvr-cluster-time';
export const CLUSTER_NONCE_HEADER = 'x-nvr-cluster-nonce';
export const CLUSTER_SIGNATURE_HEADER = 'x-nvr-cluster-signature';
/** How far a request's time may be from the receiver's clock (and how long its nonce is remembered). */
export const SIGNATURE_WINDOW_MS = 30_000;

export interface SignedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** The body as sent ('' for none). */
  body: string;
}

function signatureOf(key: string, request: SignedRequest, time: string, nonce: string): string {
  const bodyHash = createHash('sha256').update(request.body).digest('base64url');
  return createHmac('sha256', key).update([request.method.toUpperCase(), request.path, time, nonce, bodyHash].join('\n')).digest('base64url');
}

/**
 * The headers that sign a request to another node: the time, a nonce and an HMAC of method,
 * path, time, nonce and body under the cluster key. The key itself never travels, and a
 * captured request cannot be sent again (its nonce is spent) or later (its time is stale).
 */
export function signClusterRequest(key: string, request: SignedRequest, now = Date.now()): Record<string, string> {
  const time = String(now);
  const nonce = randomBytes(16).toString('base64url');
  return { [CLUSTER_TIME_HEADER]: time, [CLUSTER_NONCE_HEADER]: nonce, [CLUSTER_SIGNATURE_HEADER]: signatureOf(key, request, time, nonce) };
}

export type SignatureVerdict = 'valid' | 'missing' | 'stale' | 'replayed' | 'forged';

/**
 * Checks a request's signature. `spent` holds the nonces seen within the window (nonce →
 * the time it may be forgotten), and learns this one when valid.
 */
export function verifyClusterRequest(
  key: string,
  request: SignedRequest,
  headers: Record<string, unknown>,
  spent: Map<string, number>,
  now = Date.now(),
): SignatureVerdict {
  const [time, nonce, signature] = [headers[CLUSTER_TIME_HEADER], headers[CLUSTER_NONCE_HEADER], headers[CLUSTER_SIGNATURE_HEADER]];
  if (typeof time !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string' || !/^\d{1,16}$/.test(time) || nonce.length > 64) {
    return 'missing';
  }
  const expected = Buffer.from(signatureOf(key, request, time, nonce));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forged';
  if (Math.abs(now - Number(time)) > SIGNATURE_WINDOW_MS) return 'stale';
  for (const [seen, forgetAt] of spent) if (forgetAt <= now) spent.delete(seen);
  if (spent.has(nonce)) return 'replayed';
  spent.set(nonce, now + 2 * SIGNATURE_WINDOW_MS);
  return 'valid';
}
