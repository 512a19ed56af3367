import { HttpException, HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { FrigateUnavailableException } from './frigate-auth.client';
import { credentialHeaders } from './frigate-credentials';
import type { TimeRange } from './vod-range';

/**
 * The time range of a Frigate event, from its /api/events/{id} (asked with the viewer's own
 * credentials, so Frigate applies its own access rule too): start to end, or to now while the
 * event goes on, as Frigate's vod_event does (its `padding` never reaches it through nginx-vod,
 * so none here either).
 */
@Injectable()
export class FrigateEventsClient {
  constructor(@Inject(FRONT_DOOR_MODULE_OPTIONS) private readonly options: FrontDoorModuleOptions) {}

  async eventRange(eventId: string, headers: IncomingHttpHeaders, now = Date.now()): Promise<TimeRange> {
    let response: Response;
    try {
      response = await fetch(`${this.options.frigateUrl}/api/events/${encodeURIComponent(eventId)}`, {
        headers: Object.fromEntries(credentialHeaders(headers)),
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new FrigateUnavailableException((error as Error).message);
    }
    if (response.status === 404) throw new NotFoundException({ success: false, message: 'Event not found.' });
    if (response.status === 401 || response.status === 403) {
      throw new HttpException({ success: false, message: 'Frigate refused the event' }, response.status);
    }
    if (response.status !== 200) throw new FrigateUnavailableException(`/api/events answered ${response.status}`);
    const event = (await response.json().catch(() => null)) as { camera?: unknown; start_time?: unknown; end_time?: unknown } | null;
    if (!event || typeof event.camera !== 'string' || typeof event.start_time !== 'number') {
      throw new FrigateUnavailableException('/api/events answered without a camera and a start time');
    }
    const end = typeof event.end_time === 'number' ? event.end_time : now / 1000;
    if (!(end > event.start_time)) throw new HttpException({ success: false, message: 'The event has no recorded time yet' }, HttpStatus.NOT_FOUND);
    return { camera: event.camera, start: event.start_time, end };
  }
}
