import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { DEFAULT_MAX_USER_SHARE, fairShareSlots, mayTakeEncoderSlot } from '../policy/fair-share';
import { TranscodeEvents } from '../transcode-events';
import { TooManyTranscodesException, TooManyUserSessionsException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { SessionCreationRateLimiter } from './session-creation.rate-limiter';
import { SessionTable } from './session-table';

/**
 * The limits a new session passes: its creator's session cap (MAX_SESSIONS_PER_USER), the
 * encoder slots (MAX_CONCURRENT_TRANSCODES, with each user's fair share) and the rate of creates
 * (SESSION_CREATE_LIMIT). Joining a session is never limited.
 */
@Injectable()
export class AdmissionLimits {
  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly table: SessionTable,
    private readonly clock: Clock,
    private readonly events: TranscodeEvents,
    private readonly creationLimiter: SessionCreationRateLimiter,
  ) {}

  /**
   * Before anything of a new session is looked up: its creator's cap, the encoder limit, then
   * the rate limit (a create refused for the encoder limit must not count against the rate limit
   * too), so a refused create costs no recordings lookup.
   */
  async admitNew(requester: string): Promise<void> {
    this.assertUnderUserCap(requester);
    this.assertEncoderRoom(requester);
    await this.creationLimiter.consume(requester);
  }

  /** 429 once `requester` has MAX_SESSIONS_PER_USER live sessions of its own. */
  assertUnderUserCap(requester: string): void {
    const cap = this.options.maxSessionsPerUser;
    if (!cap || this.table.countOwnedBy(requester) < cap) return;
    this.events.publish({ type: 'session-rejected', reason: 'user_limit' });
    throw new TooManyUserSessionsException(cap);
  }

  /** 429 while MAX_CONCURRENT_TRANSCODES sessions are encoding, unless others hold more than their share (mayTakeEncoderSlot). */
  assertEncoderRoom(requester?: string): void {
    const holders = this.holders().map((session) => session.owner);
    const share = fairShareSlots(this.options.maxConcurrentTranscodes, this.options.maxUserShare ?? DEFAULT_MAX_USER_SHARE);
    if (mayTakeEncoderSlot(holders, requester, this.options.maxConcurrentTranscodes, share)) return;
    this.events.publish({ type: 'session-rejected', reason: 'concurrency_limit' });
    throw new TooManyTranscodesException(this.options.maxConcurrentTranscodes);
  }

  /** Ids of the sessions that hold an encoder slot now (encoding, starting, or opened and asked for lately). */
  holderIds(): string[] {
    return this.holders().map((session) => session.id);
  }

  private holders() {
    const now = this.clock.now();
    // A session opened without waiting holds a slot from its last request, while no segment is
    // asked, as long as a run nobody asks of would hold one (IDLE_TIMEOUT_SECONDS).
    const openedHoldMs = this.options.idleTimeoutSeconds * 1000;
    return this.table.sessions().filter((session) => session.holdsEncoderSlot(now, openedHoldMs));
  }
}
