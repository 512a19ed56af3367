import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthenticatedRequest } from '../principal';
import { AuthenticationGuard } from './authentication.guard';

/**
 * For routes open to anyone that say more to someone signed in (`/health`): the caller's login
 * is checked as on every other route and put on the request; no login, or one that fails, is
 * simply nobody (no 401).
 */
@Injectable()
export class OptionalAuthenticationGuard extends AuthenticationGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (error) {
      if (!(error instanceof UnauthorizedException)) throw error;
      context.switchToHttp().getRequest<AuthenticatedRequest>().user = undefined;
      return true;
    }
  }
}
