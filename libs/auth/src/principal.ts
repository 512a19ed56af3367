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
