import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AdminRoleGuard, AuthenticationGuard } from '@app/auth';
import { METRICS_MODULE_OPTIONS, MetricsModuleOptions } from './metrics.module-definition';

/**
 * /metrics for Prometheus or an admin: the METRICS_TOKEN as a bearer token (what Prometheus's
 * `authorization` setting sends), or else a login with the admin role, checked as on every
 * admin route (401 without a valid login, 403 without the role; with AUTH_DISABLED anyone).
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly tokenDigest: Buffer | null;

  constructor(
    @Inject(METRICS_MODULE_OPTIONS) options: MetricsModuleOptions,
    private readonly authentication: AuthenticationGuard,
    private readonly adminRole: AdminRoleGuard,
  ) {
    this.tokenDigest = options.token ? digest(options.token) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const authorization = context.switchToHttp().getRequest<Request>().headers.authorization;
    if (this.tokenDigest && typeof authorization === 'string' && /^Bearer /i.test(authorization)) {
      // Digests of equal length, compared in constant time: the answer's timing says nothing of the token.
      if (timingSafeEqual(digest(authorization.slice(7).trim()), this.tokenDigest)) return true;
    }
    return (await this.authentication.canActivate(context)) && this.adminRole.canActivate(context);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
