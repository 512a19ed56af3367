import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { CLUSTER_KEY_HEADER } from './peer-node.client';

/** Only the nodes of this cluster (they share the key) reach its internal routes. */
@Injectable()
export class ClusterKeyGuard implements CanActivate {
  constructor(@Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.options.clusterKey;
    // One node: there is no cluster, and these routes do not exist.
    if (!expected) throw new NotFoundException({ success: false, message: 'Not found' });
    const given = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[CLUSTER_KEY_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, expected)) {
      throw new ForbiddenException({ success: false, message: 'Not a node of this cluster' });
    }
    return true;
  }
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
