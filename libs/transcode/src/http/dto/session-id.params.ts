import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { SESSION_ID_REGEX } from '../../model/session-id';

export class SessionIdParams {
  @ApiProperty({ description: 'Session id: 32 lowercase hex characters', example: '0f1e2d3c4b5a69788796a5b4c3d2e1f0' })
  @Matches(SESSION_ID_REGEX, { message: 'sessionId must be 32 lowercase hex characters' })
  sessionId!: string;
}
