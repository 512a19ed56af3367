import { HttpException, HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { FrigateUser, mayWatch } from './frigate-auth.client';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { FrigateCaller, FrigateUnavailableException, frigateGet } from './frigate-http';
import type { TimeRange } from './vod-range';

/** How long an event's range is kept: about a session's life. */
const RANGE_KEPT_MS = 10 * 60_000;
const RANGES_KEPT = 1000;

/**
 * 404 for an event that does not exist and for one of a camera the user may not watch, in the
 * same words: a restricted user learns neither that it exists nor whose camera it is (Frigate's
 * own /api/events/{id} answers such a user a 403 that names the camera).
 */
export class EventNotFoundException extends NotFoundException {
  constructor() {
    super({ success: false, message: 'Event not found.' });
  }
}

/**
 * The time range of a Frigate event, from its /api/events/{id}: start to end, or to now while
 * the event goes on, as Frigate's vod_event does (its `padding` never reaches it through
 * nginx-vod, so none here either). Asked once per event for a while: the master playlist, the
 * media playlist and every segment of a viewing name the event, and must name one range (one
 * session, not a new one each second for an event in progress) without a Frigate round trip
 * each. The kept range is shared by every user, so it is handed to a user only after their own
 * camera check: someone else having played the event changes nothing in what they are told.
 */
@Injectable()
export class FrigateEventsClient {
  private readonly ranges = new Map<string, { range: TimeRange; expiresAt: number }>();

  constructor(@Inject(FRONT_DOOR_MODULE_OPTIONS) private readonly options: FrontDoorModuleOptions) {}

  /** The event's range, for `user`: 404 (EventNotFoundException) when it is of a camera they may not watch. */
  async eventRange(eventId: string, caller: FrigateCaller, user: FrigateUser, now = Date.now()): Promise<TimeRange> {
    const kept = this.ranges.get(eventId);
    const range = kept && kept.expiresAt > now ? kept.range : await this.fetchAndKeep(eventId, caller, now);
    if (!mayWatch(user, range.camera)) throw new EventNotFoundException();
    if (!(range.end > range.start)) throw new HttpException({ success: false, message: 'The event has no recorded time yet' }, HttpStatus.NOT_FOUND);
    return range;
  }

  private async fetchAndKeep(eventId: string, caller: FrigateCaller, now: number): Promise<TimeRange> {
    const range = await this.fetchRange(eventId, caller, now);
    // An event that has only just begun is asked again next time: its range grows from nothing.
    if (!(range.end > range.start)) return range;
    if (this.ranges.size >= RANGES_KEPT) this.ranges.clear();
    this.ranges.set(eventId, { range, expiresAt: now + RANGE_KEPT_MS });
    return range;
  }

  private async fetchRange(eventId: string, caller: FrigateCaller, now: number): Promise<TimeRange> {
    const response = await frigateGet(this.options.frigateUrl ?? '', `/api/events/${encodeURIComponent(eventId)}`, caller);
    // Frigate's 403 here is its camera check (require_camera_access), whose message names the camera.
    if (response.status === 404 || response.status === 403) throw new EventNotFoundException();
    if (response.status === 401) throw new HttpException({ success: false, message: 'Frigate refused the event' }, HttpStatus.UNAUTHORIZED);
    if (response.status !== 200) throw new FrigateUnavailableException(`/api/events answered ${response.status}`);
    const event = (await response.json().catch(() => null)) as { camera?: unknown; start_time?: unknown; end_time?: unknown } | null;
    if (!event || typeof event.camera !== 'string' || typeof event.start_time !== 'number') {
      throw new FrigateUnavailableException('/api/events answered without a camera and a start time');
    }
    // An event in progress ends "now", in whole seconds, as Frigate would show it.
    const end = typeof event.end_time === 'number' ? event.end_time : Math.floor(now / 1000);
    return { camera: event.camera, start: event.start_time, end };
  }
}
