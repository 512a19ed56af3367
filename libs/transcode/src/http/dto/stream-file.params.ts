import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { PLAYLIST_FILE_NAME, SEGMENT_FILE_NAME_FORM, STREAM_FILE_NAME_REGEX, segmentUri } from '../../hls/hls-names';
import { SessionIdParams } from './session-id.params';

export class StreamFileParams extends SessionIdParams {
  @ApiProperty({ description: `${PLAYLIST_FILE_NAME} or a segment name such as ${segmentUri(0)}`, example: PLAYLIST_FILE_NAME })
  @Matches(STREAM_FILE_NAME_REGEX, { message: `fileName must be ${PLAYLIST_FILE_NAME} or ${SEGMENT_FILE_NAME_FORM}` })
  fileName!: string;
}
