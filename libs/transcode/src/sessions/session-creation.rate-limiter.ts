import { HttpException, HttpStatus, Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { HeaderCarryingException } from '@app/common';
import { TranscodeEvents } from '../transcode-events';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';

/** 429 for a user who starts new sessions faster than SESSION_CREATE_LIMIT allows. */
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
 * The per-user rate limit of session creation, on @nestjs/throttler's storage. Only requests
 * that start a new session count: joining one (a reload, fifty viewers of one range) never does.
 */
@Injectable()
export class SessionCreationRateLimiter implements OnApplicationShutdown {
  private readonly storage = new ThrottlerStorageService();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) options: TranscodeModuleOptions,
    private readonly events: TranscodeEvents,
  ) {
    this.limit = options.sessionCreateLimit ?? 30;
    this.windowMs = (options.sessionCreateWindowSeconds ?? 60) * 1000;
  }

  /** Counts a new session of `requester` (a user, or an address for anonymous callers); 429 past the limit. */
  async consume(requester: string): Promise<void> {
    const record = await this.storage.increment(requester, this.windowMs, this.limit, this.windowMs, 'session-create');
    if (!record.isBlocked) return;
    this.events.publish({ type: 'session-rejected', reason: 'rate_limit' });
    throw new TooManySessionCreationsException(this.limit, Math.round(this.windowMs / 1000), Math.max(1, record.timeToBlockExpire));
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }
}
