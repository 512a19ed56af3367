import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { CAMERA_NAME_REGEX } from '../camera-name';

export class CameraParams {
  @ApiProperty({ description: 'Camera name (letters, digits, _ and -)', example: 'front_door' })
  @Matches(CAMERA_NAME_REGEX, { message: 'camera must be 1-64 characters of letters, digits, underscore or hyphen' })
  camera!: string;
}
