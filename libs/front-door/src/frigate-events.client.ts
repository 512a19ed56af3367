import { HttpException, HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { FrigateCaller, FrigateUnavailableException, frigateGet } from './frigate-http';
import type { TimeRange } from './vod-range';

/** How long an event's range is kept: about a session's life. */
const RANGE_KEPT_MS = 10 * 60_000;
const RANGES_KEPT = 1000;

/**
 * The time range of a Frigate event, from its /api/events/{id}: start to end, or to now while
 * the event goes on, as Frigate's vod_event does (its `padding` never reaches it through
 * nginx-vod, so none here either). Asked once per event for a while: the master playlist, the
 * media playlist and every segment of a viewing name the event, and must name one range (one
 * session, not a new one each second for an event in progress) without a Frigate round trip
 * each. Who may watch it is the camera check that follows, on every request.
 */
@Injectable()
export class FrigateEventsClient {
  private readonly ranges = new Map<string, { range: TimeRange; expiresAt: number }>();

  constructor(@Inject(FRONT_DOOR_MODULE_OPTIONS) private readonly options: FrontDoorModuleOptions) {}

  async eventRange(eventId: string, caller: FrigateCaller, now = Date.now()): Promise<TimeRange> {
    const kept = this.ranges.get(eventId);
    if (kept && kept.expiresAt > now) return kept.range;
    const range = await this.fetchRange(eventId, caller, now);
    if (this.ranges.size >= RANGES_KEPT) this.ranges.clear();
    this.ranges.set(eventId, { range, expiresAt: now + RANGE_KEPT_MS });
    return range;
  }

  private async fetchRange(eventId: string, caller: FrigateCaller, now: number): Promise<TimeRange> {
    const response = await frigateGet(this.options.frigateUrl ?? '', `/api/events/${encodeURIComponent(eventId)}`, caller);
    if (response.status === 404) throw new NotFoundException({ success: false, message: 'Event not found.' });
    if (response.status === 401 || response.status === 403) {
      throw new HttpException({ success: false, message: 'Frigate refused the event' }, response.status);
    }
    if (response.status !== 200) throw new FrigateUnavailableException(`/api/events answered ${response.status}`);
    const event = (await response.json().catch(() => null)) as { camera?: unknown; start_time?: unknown; end_time?: unknown } | null;
    if (!event || typeof event.camera !== 'string' || typeof event.start_time !== 'number') {
      throw new FrigateUnavailableException('/api/events answered without a camera and a start time');
    }
    // An event in progress ends "now", in whole seconds, as Frigate would show it.
    const end = typeof event.end_time === 'number' ? event.end_time : Math.floor(now / 1000);
    if (!(end > event.start_time)) throw new HttpException({ success: false, message: 'The event has no recorded time yet' }, HttpStatus.NOT_FOUND);
    return { camera: event.camera, start: event.start_time, end };
  }
}
