import { ApiProperty } from '@nestjs/swagger';
import { streamPlaylistPath } from '../../hls/hls-names';
import type { EncoderActivity, SessionSummary, TranscodeSessionState } from '../../model/session-views';

export class TranscodeStartedResponse {
  @ApiProperty({ example: true, enum: [true] })
  success!: true;

  @ApiProperty({ description: 'URL of the HLS playlist', example: streamPlaylistPath('0f1e2d3c4b5a69788796a5b4c3d2e1f0') })
  playlist!: string;

  @ApiProperty({ description: 'Session id (deterministic for a camera and range)' })
  sessionId!: string;

  @ApiProperty({ description: 'Seconds the playlist lasts: the range’s video (gaps collapsed) divided by the speed' })
  durationSeconds!: number;

  @ApiProperty({ description: 'Playback speed of the rendition', enum: [1, 2, 4, 8, 16, 32] })
  speed!: number;
}

export class TranscodeStoppedResponse {
  @ApiProperty({ example: true, enum: [true] })
  success!: true;

  @ApiProperty({ example: 'Transcode session stopped' })
  message!: string;
}

export class TranscodeSessionSummary implements SessionSummary {
  @ApiProperty() sessionId!: string;
  @ApiProperty() camera!: string;
  @ApiProperty() start!: number;
  @ApiProperty() end!: number;
  @ApiProperty({ enum: ['opened', 'starting', 'active', 'stopped'] }) state!: TranscodeSessionState;
  @ApiProperty({ description: 'Segments in the playlist' }) segments!: number;
  @ApiProperty({ description: 'Segments finished so far' }) readySegments!: number;
  @ApiProperty({ enum: ['encoding', 'paused', 'stopped'], description: 'What its ffmpeg is doing' })
  encoder!: EncoderActivity;
  @ApiProperty({ description: 'Epoch ms of the last request' }) lastAccessAt!: number;
  @ApiProperty({ description: 'pid of the running ffmpeg, if any', nullable: true, type: Number }) pid!: number | null;
  @ApiProperty({
    description: 'ffmpeg video encoder of the current (or last) run: libx264, or a hardware one (h264_vaapi, …)',
    nullable: true,
    type: String,
  })
  videoEncoder!: string | null;
  @ApiProperty({ description: 'Playback speed of its rendition', enum: [1, 2, 4, 8, 16, 32] }) speed!: number;
  @ApiProperty({
    enum: ['encode', 'copy', 'fast'],
    description: 'How its video is made: encoded, copied (browser-playable H.264), or a fast rendition from fewer decoded frames',
  })
  video!: 'encode' | 'copy' | 'fast';
}

export class TranscodeSessionListResponse {
  @ApiProperty({ example: true, enum: [true] })
  success!: true;

  @ApiProperty({ type: [TranscodeSessionSummary] })
  sessions!: TranscodeSessionSummary[];
}
