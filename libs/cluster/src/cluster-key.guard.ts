import { CanActivate, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Request } from 'express';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { SIGNATURE_WINDOW_MS, SpentNonces, clusterNodeOf, verifyClusterRequest } from './cluster-request-signature';
import { internalPortOf } from './cluster-internal.server';
import { SignatureFailureBrake } from './signature-failure.brake';

/** Nonces remembered at most: the requests between nodes within the signature window. */
const MAX_SPENT_NONCES = 100_000;

/** More fresh requests from peers than this node can remember: refused until the oldest leave the window. */
class NonceMemoryFullException extends HttpException {
  readonly responseHeaders = { 'Retry-After': String(SIGNATURE_WINDOW_MS / 1000) };

  constructor() {
    super({ success: false, message: 'Too many requests between nodes; retry shortly' }, HttpStatus.SERVICE_UNAVAILABLE);
  }
}

/** An address that sent too many wrong signatures: not heard until its pause is over. */
class SignatureBrakeException extends HttpException {
  readonly responseHeaders: Record<string, string>;

  constructor(pausedMs: number) {
    super({ success: false, message: 'Too many requests with a wrong signature from this address; retry later' }, HttpStatus.TOO_MANY_REQUESTS);
    this.responseHeaders = { 'Retry-After': String(Math.ceil(pausedMs / 1000)) };
  }
}

/**
 * Only the nodes of this cluster reach its internal routes: on the internal port (NODE_URL's;
 * never the public one, so a proxy in front of PORT cannot reach them), signed with the
 * cluster key for this node, fresh, and each request once. An address that keeps sending wrong
 * signatures is slowed down (SignatureFailureBrake): refused unheard for a growing pause.
 */
@Injectable()
export class ClusterKeyGuard implements CanActivate {
  private readonly spent = new SpentNonces(MAX_SPENT_NONCES);
  private readonly brake = new SignatureFailureBrake();
  /** Read once: this guard runs on every request a peer proxies (every segment). */
  private readonly internalPort: number | null;
  private readonly node: string;

  constructor(@Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions) {
    this.internalPort = internalPortOf(options);
    this.node = options.nodeUrl ? clusterNodeOf(options.nodeUrl) : '';
  }

  canActivate(context: ExecutionContext): boolean {
    const key = this.options.clusterKey;
    const request = context.switchToHttp().getRequest<Request>();
    // One node (no cluster), or the public port: these routes do not exist.
    if (!key || request.socket.localPort !== this.internalPort) throw new NotFoundException({ success: false, message: 'Not found' });
    // The peer's own address: nothing in front of the internal port may forward for it.
    const address = request.socket.remoteAddress ?? '';
    const now = Date.now();
    const paused = this.brake.pausedFor(address, now);
    if (paused > 0) throw new SignatureBrakeException(paused);
    const verdict = verifyClusterRequest(
      key,
      { method: request.method, path: request.originalUrl, body: request.method === 'POST' ? JSON.stringify(request.body ?? {}) : '', node: this.node },
      request.headers,
      this.spent,
      now,
    );
    // Only what a guess looks like counts: a stale, replayed or misdirected request was signed with the key.
    if (verdict === 'missing' || verdict === 'forged') this.brake.noteFailure(address, now);
    if (verdict === 'flooded') throw new NonceMemoryFullException();
    if (verdict === 'misdirected') throw new ForbiddenException({ success: false, message: 'This request was signed for another node' });
    if (verdict !== 'valid') throw new ForbiddenException({ success: false, message: `Not a node of this cluster (${verdict} signature)` });
    return true;
  }
}
