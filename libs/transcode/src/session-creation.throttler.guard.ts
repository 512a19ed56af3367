import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Principal } from '@app/auth';
import { HeaderCarryingException } from '@app/common';
import { TranscodeEvents } from './transcode-events';

/** 429 for a user who asks for new sessions faster than SESSION_CREATE_LIMIT allows. */
export class TooManySessionCreationsException extends HttpException implements HeaderCarryingException {
  readonly responseHeaders: Record<string, string>;

  constructor(limit: number, windowSeconds: number, retryAfterSeconds: number) {
    super(
      {
        success: false,
        message: `Too many new transcodes: at most ${limit} every ${windowSeconds} s per user; retry in ${retryAfterSeconds} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
    this.responseHeaders = { 'Retry-After': String(retryAfterSeconds) };
  }
}

/**
 * Rate limit of session creation, per user: a signed-in caller is counted by who they are (so
 * a household behind one NAT is not one user), anyone else by IP. Runs after authentication.
 */
@Injectable()
export class SessionCreationThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly events: TranscodeEvents,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(request: { user?: Principal; ip?: string }): Promise<string> {
    const user = request.user;
    return user?.kind === 'user' && user.sub ? `user:${user.sub}` : `ip:${request.ip ?? 'unknown'}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    this.events.publish({ type: 'session-rejected', reason: 'rate_limit' });
    throw new TooManySessionCreationsException(detail.limit, Math.round(detail.ttl / 1000), Math.max(1, detail.timeToBlockExpire));
  }
}
