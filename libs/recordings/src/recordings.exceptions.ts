import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The recordings upstream (Frigate's VOD or API) failed or answered something unusable: a
 * 502 with a message that says so, never the upstream's internal address.
 */
export class RecordingsUpstreamException extends HttpException {
  constructor(reason: string) {
    super({ success: false, message: `The recordings upstream (Frigate) failed: ${reason}` }, HttpStatus.BAD_GATEWAY);
  }
}
