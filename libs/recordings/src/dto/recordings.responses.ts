import { ApiProperty } from '@nestjs/swagger';
import { UNREADABLE_REASONS, UnreadableReason } from '../unreadable-recording.error';

export class TimeSpanDto {
  @ApiProperty({ description: 'epoch seconds' }) start!: number;
  @ApiProperty({ description: 'epoch seconds' }) end!: number;
}

export class UnreadableRecordingDto {
  @ApiProperty({ description: "The recording in Frigate's layout: day/hour/camera/file (UTC)", example: '2023-11-15/00/front_door/00.10.mp4' })
  file!: string;
  @ApiProperty({ description: 'Its start, from its name (epoch seconds)' }) start!: number;
  @ApiProperty({
    enum: UNREADABLE_REASONS,
    description:
      'Why it cannot be read: empty (0 bytes); no-moov (no MP4 header: cut short by a power loss or a killed recorder, still being written, or not an MP4); ' +
      'moov-too-large; sample-table (a table that does not fit its box); too-many-samples; bad-duration; no-duration (neither its header nor ffprobe give one); cannot-read (permissions, I/O)',
    example: 'no-moov',
  })
  reason!: UnreadableReason;
  @ApiProperty({
    description: 'What is wrong, in words',
    example: 'it has no moov box (282104 bytes): cut short before its header was written (power loss), still being written, or not an MP4',
  })
  message!: string;
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
  @ApiProperty({
    type: [UnreadableRecordingDto],
    description:
      'Recordings starting in the window that cannot be read (corrupt, cut short, empty): their time is a gap, and playback skips them as missing files. Named only by sources that read the files (RECORDINGS_SOURCE=filesystem)',
  })
  unreadable!: UnreadableRecordingDto[];
}
