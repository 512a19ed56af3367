import { ApiProperty } from '@nestjs/swagger';

/** Where a requester's export of a range is: not known (idle), making segments, writing the MP4, finished. */
export const EXPORT_STATES = ['idle', 'collecting', 'muxing', 'done', 'failed'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];

/** An export's progress, as the progress route answers it. */
export interface ExportProgress {
  state: ExportState;
  segmentsDone: number;
  segmentsTotal: number;
}

export class ExportProgressResponse implements ExportProgress {
  @ApiProperty({ example: true, enum: [true] })
  success!: true;

  @ApiProperty({
    enum: EXPORT_STATES,
    description: 'idle: none in flight or remembered; collecting: the segments are copied (made first where missing); muxing: the MP4 is written',
  })
  state!: ExportState;

  @ApiProperty({ description: 'Segments copied so far', example: 12 })
  segmentsDone!: number;

  @ApiProperty({ description: 'Segments in the range (0 until its playlist was read)', example: 100 })
  segmentsTotal!: number;
}
