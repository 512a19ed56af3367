import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Request } from 'express';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { verifyClusterRequest } from './cluster-request-signature';
import { internalPortOf } from './cluster-internal.server';

/** Nonces seen at most: one per request between nodes within the signature window. */
const MAX_SPENT_NONCES = 100_000;

/**
 * Only the nodes of this cluster reach its internal routes: on the internal port (NODE_URL's;
 * never the public one, so a proxy in front of PORT cannot reach them), signed with the
 * cluster key, fresh, and each request once.
 */
@Injectable()
export class ClusterKeyGuard implements CanActivate {
  private readonly spent = new Map<string, number>();
  /** Read once: this guard runs on every request a peer proxies (every segment). */
  private readonly internalPort: number | null;

  constructor(@Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions) {
    this.internalPort = internalPortOf(options);
  }

  canActivate(context: ExecutionContext): boolean {
    const key = this.options.clusterKey;
    const request = context.switchToHttp().getRequest<Request>();
    // One node (no cluster), or the public port: these routes do not exist.
    if (!key || request.socket.localPort !== this.internalPort) throw new NotFoundException({ success: false, message: 'Not found' });
    if (this.spent.size > MAX_SPENT_NONCES) this.spent.clear();
    const verdict = verifyClusterRequest(
      key,
      { method: request.method, path: request.originalUrl, body: request.method === 'POST' ? JSON.stringify(request.body ?? {}) : '' },
      request.headers,
      this.spent,
    );
    if (verdict !== 'valid') throw new ForbiddenException({ success: false, message: `Not a node of this cluster (${verdict} signature)` });
    return true;
  }
}
