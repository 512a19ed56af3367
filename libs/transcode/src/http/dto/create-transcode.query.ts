import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PLAYBACK_SPEEDS } from '../../model/playback-speed';

const SPEED_VALUES = PLAYBACK_SPEEDS.map(String);

export class CreateTranscodeQuery {
  @ApiPropertyOptional({
    description:
      'Playback speed: a rendition of its own that plays N seconds of recordings a second, video only, made from fewer decoded frames (so it costs less than 1×). ' +
      'EXTINF durations are divided by N; EXT-X-PROGRAM-DATE-TIME stays each segment’s camera time.',
    enum: SPEED_VALUES,
    default: '1',
  })
  @IsOptional()
  @IsIn(SPEED_VALUES, { message: `speed must be one of ${SPEED_VALUES.join(', ')}` })
  speed?: string;
}
