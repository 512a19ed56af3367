import { Inject, Injectable } from '@nestjs/common';
import { StreamTokenService } from '@app/auth';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';

/** The stream tokens the API hands out with a session's playlist. */
@Injectable()
export class SessionStreamTokens {
  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly streamTokens: StreamTokenService,
  ) {}

  /** Whether stream tokens are in use (auth on). */
  get enabled(): boolean {
    return this.streamTokens.enabled;
  }

  /**
   * A stream token for the session's files. It lasts the session TTL plus the range's length
   * (unless STREAM_TOKEN_TTL_SECONDS says otherwise), so a viewer who plays the whole range in
   * real time is never cut off; it never outlives the login it was issued to (`notAfter`).
   */
  issue(session: { sessionId: string; camera: string; durationSeconds: number }, notAfter?: number): string {
    return this.streamTokens.issue({ sessionId: session.sessionId, camera: session.camera }, this.options.ttlSeconds + session.durationSeconds, notAfter);
  }
}
