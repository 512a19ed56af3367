/** Who is calling, as the guards see it. */
export interface Principal {
  /** `user`: a login token (header or cookie); `stream`: a stream token for one session's files. */
  kind: 'user' | 'stream';
  sub: string;
  /** From the `role` claim, which may be a comma-separated list. */
  roles: string[];
  /** A token's own narrowing of camera access (`cameras` claim), if any. */
  cameras?: string[];
  /** For stream tokens: the one session they open. */
  sessionId?: string;
  /** For stream tokens: the raw token, reused on the segment URIs of the playlist. */
  token?: string;
  /** For stream tokens: the camera it was issued for. */
  camera?: string;
  /** When the token expires, epoch seconds. */
  expiresAt?: number;
}

/** Express request with the principal the authentication guard attached. */
export interface AuthenticatedRequest {
  user?: Principal;
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Pure: who a per-user limit counts (new transcodes, recordings lookups). A signed-in user as who they are (a household behind one
 * address is not one user); anyone else by address, and so is "anonymous", the one principal
 * every caller is with AUTH_DISABLED (or Frigate's unauthenticated port): one bucket for all
 * would let one client use up everybody's.
 */
export function requesterOf(principal: Principal | undefined, ip: string | undefined): string {
  if (principal?.kind === 'user' && principal.sub && principal.sub !== 'anonymous') return `user:${principal.sub}`;
  return `ip:${ip ?? 'unknown'}`;
}
