import { ApiProperty } from '@nestjs/swagger';

export class TimeSpanDto {
  @ApiProperty({ description: 'epoch seconds' }) start!: number;
  @ApiProperty({ description: 'epoch seconds' }) end!: number;
}

export class CameraListResponse {
  @ApiProperty({ example: true, enum: [true] }) success!: true;
  @ApiProperty({ type: [String], example: ['driveway', 'front_door'] }) cameras!: string[];
}

export class RecordingsResponse {
  @ApiProperty({ example: true, enum: [true] }) success!: true;
  @ApiProperty() camera!: string;
  @ApiProperty({ description: 'epoch seconds' }) after!: number;
  @ApiProperty({ description: 'epoch seconds' }) before!: number;
  @ApiProperty({ type: [TimeSpanDto], description: 'Covered time, continuous files merged' }) spans!: TimeSpanDto[];
  @ApiProperty({ type: [TimeSpanDto], description: 'Time without recordings' }) gaps!: TimeSpanDto[];
}
