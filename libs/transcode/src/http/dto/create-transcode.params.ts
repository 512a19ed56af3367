import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { CAMERA_NAME_REGEX } from '@app/recordings';

/** Epoch seconds as plain decimal digits: no sign, exponent, NaN or Infinity can get through. */
export const EPOCH_SECONDS_REGEX = /^\d{1,11}(\.\d{1,6})?$/;

export class CreateTranscodeParams {
  @ApiProperty({ description: 'Camera name (letters, digits, _ and -)', example: 'front_door' })
  @Matches(CAMERA_NAME_REGEX, {
    message: 'camera must be 1-64 characters of letters, digits, underscore or hyphen',
  })
  camera!: string;

  @ApiProperty({ description: 'Range start, epoch seconds (UTC); fractions allowed', example: '1700000000' })
  @Matches(EPOCH_SECONDS_REGEX, { message: 'start must be epoch seconds, e.g. 1700000000 or 1700000000.5' })
  start!: string;

  @ApiProperty({ description: 'Range end, epoch seconds (UTC); fractions allowed', example: '1700000600' })
  @Matches(EPOCH_SECONDS_REGEX, { message: 'end must be epoch seconds, e.g. 1700000600 or 1700000600.5' })
  end!: string;
}
