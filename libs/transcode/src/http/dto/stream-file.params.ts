import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { SessionIdParams } from './session-id.params';

/** The playlist or one segment: nothing else inside a session folder can be named. */
export const STREAM_FILE_NAME_REGEX = /^(master\.m3u8|seg_\d{5}\.ts)$/;
export const PLAYLIST_FILE_NAME = 'master.m3u8';

export class StreamFileParams extends SessionIdParams {
  @ApiProperty({ description: 'master.m3u8 or a segment name such as seg_00000.ts', example: 'master.m3u8' })
  @Matches(STREAM_FILE_NAME_REGEX, { message: 'fileName must be master.m3u8 or seg_NNNNN.ts' })
  fileName!: string;
}
