import { ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { parse as parseCookies } from 'cookie';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions } from '../auth.module-definition';
import { AuthRequirementMetadata } from '../decorators/auth-requirement.decorator';
import { CrossSiteWorkException, isCrossSiteCookieLogin } from '../cross-site-rule';
import { AuthenticatedRequest, Principal } from '../principal';
import { StreamTokenService } from '../stream-token.service';
import { JWT_STRATEGY } from '../strategies/jwt.strategy';

/** With AUTH_DISABLED every caller is this: trusted, like Frigate's internal port. */
export const TRUSTED_PRINCIPAL: Principal = { kind: 'user', sub: 'anonymous', roles: ['admin'] };

/**
 * Who is calling (401 when nobody we trust): a login token from the header or cookie, or, on
 * stream routes only, a stream token in `?token=`.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions,
    private readonly streamTokens: StreamTokenService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.options.disabled) {
      request.user = TRUSTED_PRINCIPAL;
      return true;
    }
    const requirement = this.reflector.getAllAndOverride(AuthRequirementMetadata, [context.getHandler(), context.getClass()]);
    // On stream routes a valid stream token is enough, whatever else the request carries (a
    // stale Frigate cookie, a proxy's Basic header); an invalid one falls back to the login.
    const streamToken = request.query.token;
    if (requirement?.camera === 'session' && typeof streamToken === 'string') {
      const claims = this.streamTokens.verify(streamToken);
      if (claims) {
        request.user = {
          kind: 'stream',
          sub: 'stream',
          roles: [],
          sessionId: claims.sessionId,
          camera: claims.camera,
          token: streamToken,
        };
        return true;
      }
      if (!this.carriesLoginToken(request)) throw unauthorized('Invalid or expired stream token');
    }
    const authenticated = (await super.canActivate(context)) as boolean;
    if (requirement?.startsWork && isCrossSiteCookieLogin(request.headers, this.options.trustedOrigins)) throw new CrossSiteWorkException();
    return authenticated;
  }

  /** Turns passport's outcome into a 401 that says why. */
  override handleRequest<TUser = Principal>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (error instanceof UnauthorizedException) throw error;
    if (error || !user) throw unauthorized(describeFailure(info));
    return user;
  }

  private carriesLoginToken(request: AuthenticatedRequest): boolean {
    const cookie = request.headers.cookie;
    return (
      /^Bearer /i.test(String(request.headers.authorization ?? '')) ||
      (typeof cookie === 'string' && parseCookies(cookie)[this.options.cookieName] !== undefined)
    );
  }
}

function unauthorized(message: string): UnauthorizedException {
  return new UnauthorizedException({ success: false, message });
}

function describeFailure(info: unknown): string {
  const name = (info as { name?: string } | undefined)?.name;
  const message = (info as { message?: string } | undefined)?.message ?? '';
  if (name === 'TokenExpiredError') return 'Token expired';
  if (name === 'NotBeforeError') return 'Token not valid yet';
  if (name === 'JsonWebTokenError') return `Invalid token: ${message}`;
  if (/No auth token/i.test(message)) return 'Authentication required: send a bearer token or the auth cookie';
  return message ? `Invalid token: ${message}` : 'Authentication required';
}
