import { HttpException, HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { FrigateUnavailableException } from './frigate-auth.client';
import { credentialHeaders } from './frigate-credentials';
import type { TimeRange } from './vod-range';

/** How long the range of an event in progress is kept: about a session's life. */
const OPEN_EVENT_RANGE_MS = 10 * 60_000;
const OPEN_EVENTS_MAX = 1000;

/**
 * The time range of a Frigate event, from its /api/events/{id} (asked with the viewer's own
 * credentials, so Frigate applies its own access rule too): start to end, or to now while the
 * event goes on, as Frigate's vod_event does (its `padding` never reaches it through nginx-vod,
 * so none here either).
 */
@Injectable()
export class FrigateEventsClient {
  /**
   * The range an event in progress was first given (its end "now"), kept for a while: the
   * master playlist, the media playlist and the segments of one viewing must name one range
   * (one session), not a new one each second.
   */
  private readonly openEvents = new Map<string, { range: TimeRange; expiresAt: number }>();

  constructor(@Inject(FRONT_DOOR_MODULE_OPTIONS) private readonly options: FrontDoorModuleOptions) {}

  async eventRange(eventId: string, headers: IncomingHttpHeaders, now = Date.now()): Promise<TimeRange> {
    const range = await this.fetchRange(eventId, headers, now);
    if (!range.inProgress) return range.range;
    const kept = this.openEvents.get(eventId);
    if (kept && kept.expiresAt > now && kept.range.camera === range.range.camera) return kept.range;
    if (this.openEvents.size >= OPEN_EVENTS_MAX) this.openEvents.clear();
    this.openEvents.set(eventId, { range: range.range, expiresAt: now + OPEN_EVENT_RANGE_MS });
    return range.range;
  }

  private async fetchRange(eventId: string, headers: IncomingHttpHeaders, now: number): Promise<{ range: TimeRange; inProgress: boolean }> {
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
    const inProgress = typeof event.end_time !== 'number';
    // Whole seconds: the range of an event in progress is kept (see openEvents), and shown as Frigate would.
    const end = inProgress ? Math.floor(now / 1000) : (event.end_time as number);
    if (!(end > event.start_time)) throw new HttpException({ success: false, message: 'The event has no recorded time yet' }, HttpStatus.NOT_FOUND);
    return { range: { camera: event.camera, start: event.start_time, end }, inProgress };
  }
}
