import { ApiProperty } from '@nestjs/swagger';

/** OpenAPI shape of every error answer. */
export class ErrorResponseDto {
  @ApiProperty({ example: false, enum: [false] })
  success!: false;

  @ApiProperty({ example: 'end must be after start' })
  message!: string;
}
