import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { hasAnyRole } from '../access-policy';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions } from '../auth.module-definition';
import { Roles } from '../decorators/roles.decorator';
import { AuthenticatedRequest } from '../principal';

/** Lets through only callers holding one of the roles named by `@Roles(...)`; 403 otherwise. */
@Injectable()
export class AdminRoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride(Roles, [context.getHandler(), context.getClass()]);
    if (!required?.length || this.options.disabled) return true;
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (principal?.kind === 'user' && hasAnyRole(principal, required)) return true;
    throw new ForbiddenException({ success: false, message: `Requires the ${required.join(' or ')} role` });
  }
}
