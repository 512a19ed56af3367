import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

const EPOCH = /^\d{1,11}(\.\d{1,6})?$/;

export class RecordingsQuery {
  @ApiPropertyOptional({ description: 'Start of the window, epoch seconds (default: 24 h before `before`)' })
  @IsOptional()
  @Matches(EPOCH, { message: 'after must be epoch seconds, e.g. 1700000000' })
  after?: string;

  @ApiPropertyOptional({ description: 'End of the window, epoch seconds (default: now)' })
  @IsOptional()
  @Matches(EPOCH, { message: 'before must be epoch seconds, e.g. 1700086400' })
  before?: string;
}
