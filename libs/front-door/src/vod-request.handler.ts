import { BadRequestException, ForbiddenException, HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CrossSiteWorkException, isCrossSiteCookieLogin } from '@app/auth';
import { errorAnswer, sendJson } from '@app/common';
import {
  EncoderSelector,
  PLAYLIST_FILE_NAME,
  RoutedSession,
  VOD_MASTER_PLAYLIST_FILE_NAME,
  VOD_MEDIA_PLAYLIST_FILE_NAME,
  SESSION_ENGINE,
  SESSION_ROUTING,
  SessionEngine,
  SessionRouting,
  clientGoneSignal,
  isH264RangeRefusal,
} from '@app/transcode';
import { pipeline } from 'node:stream/promises';
import { FrigateAuthClient, FrigateUser, mayWatch } from './frigate-auth.client';
import { FrigateEventsClient } from './frigate-events.client';
import { FrigateProxy } from './frigate-proxy';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { FrigateCaller, frigateCallerOf, frigateGet } from './frigate-http';
import { renderMasterPlaylist } from './vod-master-playlist';
import { chooseVodHandling, videoCodecTagsOf } from './vod-passthrough';
import { VodRequest, VodRoute, parseVodPath } from './vod-path';
import { TimeRange, hourRange, timeZoneOffsetSeconds } from './vod-range';

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
/** How long a range found to be all H.264 goes straight to Frigate: its recordings' codecs do not change. */
const HANDED_OFF_MS = 60_000;
/**
 * How long Frigate's word on a just-planned session's codecs is kept: its playlists and first
 * segment come within it, and from its first segment on it is a session like any other.
 */
const FRIGATE_CODECS_KEPT_MS = 60_000;
const DECISIONS_KEPT = 2000;
/**
 * The longest query string copied onto every URI of a playlist, as nginx's `secure_token $args`
 * does: Home Assistant's signed `authSig` (an HS256 JWT of its path, about 280 to 380
 * characters) fits; a longer one times a 6-hour playlist's 10,800 URIs would be megabytes.
 */
export const MAX_QUERY_LENGTH = 512;

/** Frigate said no: 401 for a caller it does not know, 403 for one it knows and refuses. */
class FrigateDeniedException extends HttpException {
  constructor(status: 401 | 403) {
    super(
      { success: false, message: status === 401 ? 'Log in to Frigate first' : 'Frigate refuses this login' },
      status === 401 ? HttpStatus.UNAUTHORIZED : HttpStatus.FORBIDDEN,
    );
  }
}

/**
 * Frigate's /vod URLs, answered for H.265 recordings with H.264 HLS, for any client that asks
 * Frigate (its web UI, Home Assistant): every request is authorised by Frigate for its camera,
 * the range is the one Frigate's route names, both playlists are answered at once (the session
 * is planned and nothing runs: the first segment request, the History view's deep link, decides
 * where its run starts, so opening an hour to play its middle encodes nothing of its top),
 * and the request's query string is on every URI inside, as Frigate's nginx copies it. What is
 * not a playlist or segment of ours, an H.264 range, or a client that plays HEVC (`?codec=hevc`)
 * goes to Frigate's own /vod untouched.
 *
 * A range is admitted as the API admits a create, before anything is looked up: the session is
 * joined if it exists (always allowed, no lookup), otherwise the user's session cap, the
 * encoder limit and SESSION_CREATE_LIMIT are checked first, and only then does the session's own
 * plan read the recordings, once. Its codecs decide: a range whose recordings are all H.264 is
 * not started but handed to Frigate (and remembered a minute). With a source that reads no
 * headers, Frigate's own master playlist says the codecs, asked once per session.
 */
@Injectable()
export class VodRequestHandler {
  private readonly logger = new Logger(VodRequestHandler.name);
  /** Ranges found to be all H.264: straight to Frigate for a while. */
  private readonly handedOff = new Map<string, number>();
  /** Just-planned sessions whose codecs Frigate's master playlist told (whether all H.264), shared by concurrent requests. */
  private readonly frigateCodecs = new Map<string, { isH264: Promise<boolean>; expiresAt: number }>();

  constructor(
    @Inject(SESSION_ROUTING) private readonly routing: SessionRouting,
    @Inject(SESSION_ENGINE) private readonly engine: SessionEngine,
    private readonly auth: FrigateAuthClient,
    private readonly events: FrigateEventsClient,
    private readonly frigate: FrigateProxy,
    @Inject(FRONT_DOOR_MODULE_OPTIONS) private readonly options: FrontDoorModuleOptions,
    private readonly encoders: EncoderSelector,
  ) {}

  private get frigateUrl(): string {
    return this.options.frigateUrl ?? '';
  }

  /** `vodPath`: the path after "/vod/". */
  async handle(request: IncomingMessage, response: ServerResponse, vodPath: string, query: string): Promise<void> {
    const parsed = parseVodPath(vodPath);
    if (parsed.kind === 'frigate') return this.frigate.web(request, response);
    try {
      if (parsed.kind === 'invalid') throw new BadRequestException({ success: false, message: parsed.message });
      if (query.length > MAX_QUERY_LENGTH) {
        throw new HttpException({ success: false, message: `The query string is longer than ${MAX_QUERY_LENGTH} characters` }, HttpStatus.URI_TOO_LONG);
      }
      const caller = frigateCallerOf(request);
      const answer = await this.auth.authenticate(caller);
      if (answer.kind === 'denied') throw new FrigateDeniedException(answer.status);
      if (answer.setCookie.length) response.setHeader('Set-Cookie', answer.setCookie);
      const route = parsed.request.route;
      const range = await this.resolve(route, caller, answer.user);
      assertCameraAllowed(answer.user, range.camera);
      // Before anything reads recordings: a range longer than MAX_RANGE_SECONDS is a 400.
      this.engine.assertRange(range.start, range.end);
      // What the request itself says comes first: a client that plays HEVC, Frigate's sub stream.
      const stream = route.form === 'range' ? route.stream : undefined;
      const said = chooseVodHandling({ codecParam: new URLSearchParams(query).get('codec'), stream, videoCodecTags: [] });
      if (typeof said === 'object') throw new BadRequestException({ success: false, message: said.invalid });
      const rangeKey = `${range.camera}/${range.start}/${range.end}`;
      if (said === 'frigate' || this.isHandedOff(rangeKey)) return this.frigate.web(request, response);
      // The API's rule for requests that start work: not from a page on another site with the cookie alone.
      if (isCrossSiteCookieLogin(request.headers)) throw new CrossSiteWorkException();
      const session = await this.open(range, answer.user, vodPath, caller);
      if (!session) {
        this.handOff(rangeKey);
        return this.frigate.web(request, response);
      }
      await this.transcoded(parsed.request, session, query, response);
    } catch (error) {
      this.fail(response, error);
    }
  }

  /**
   * The session of the range (joined, or admitted and planned), or null when its recordings are
   * all H.264 (none is left running).
   */
  private async open(range: TimeRange, user: FrigateUser, vodPath: string, caller: FrigateCaller): Promise<RoutedSession | null> {
    let session: RoutedSession;
    try {
      session = await this.routing.open(range.camera, range.start, range.end, `user:${user.username}`, { waitForFirstSegment: false, handOffH264: true });
    } catch (error) {
      if (isH264RangeRefusal(error)) return null;
      throw error;
    }
    // Only a session just planned from codecs its source could not read (frigate-vod), with no
    // encoder yet: Frigate's own master playlist of the route says them. One joined is played.
    if (!session.awaitingHandOff) return session;
    if (!(await this.frigateSaysH264(session.sessionId, vodPath, caller))) return session;
    await this.routing.remove(session.sessionId).catch(() => undefined);
    return null;
  }

  private async transcoded(request: VodRequest, session: RoutedSession, query: string, response: ServerResponse): Promise<void> {
    const suffix = query ? `?${query}` : '';
    response.setHeader('Cache-Control', 'no-store');
    if (request.file === VOD_MASTER_PLAYLIST_FILE_NAME) {
      return sendText(response, renderMasterPlaylist(session.variant, `${VOD_MEDIA_PLAYLIST_FILE_NAME}${suffix}`, this.encoders.videoCodec()));
    }
    // The media playlist is the session's own, with this request's query on every segment URI.
    const fileName = request.file === VOD_MEDIA_PLAYLIST_FILE_NAME ? PLAYLIST_FILE_NAME : request.file;
    const file = await this.routing.streamFile(session.sessionId, fileName, query || undefined, clientGoneSignal(response));
    if (file.kind === 'playlist') return sendText(response, file.text);
    if (file.kind === 'segment-bytes') {
      response.writeHead(200, { 'Content-Type': 'video/mp2t', 'Content-Length': file.bytes.length });
      response.end(file.bytes);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'video/mp2t', ...(file.length ? { 'Content-Length': file.length } : {}) });
    // pipeline: a client that leaves closes the file too.
    await pipeline(file.stream, response).catch(() => undefined);
  }

  /** The time range a route names: the range itself, the hour Home Assistant asks for, or an event's (for this user). */
  private async resolve(route: VodRoute, caller: FrigateCaller, user: FrigateUser): Promise<TimeRange> {
    if (route.form === 'range') return { camera: route.camera, start: route.start, end: route.end };
    if (route.form === 'event') return this.events.eventRange(route.eventId, caller, user);
    const offset = timeZoneOffsetSeconds(route.timeZone, new Date());
    if (offset === null) throw new BadRequestException({ success: false, message: `Unknown time zone '${route.timeZone}'` });
    return hourRange(route, offset);
  }

  private isHandedOff(rangeKey: string, now = Date.now()): boolean {
    const until = this.handedOff.get(rangeKey);
    return until !== undefined && until > now;
  }

  private handOff(rangeKey: string, now = Date.now()): void {
    if (this.handedOff.size >= DECISIONS_KEPT) this.handedOff.clear();
    this.handedOff.set(rangeKey, now + HANDED_OFF_MS);
  }

  /**
   * Whether the CODECS of Frigate's own master playlist of this route are all H.264 (not when it
   * does not answer: then it is transcoded, which plays everywhere). Asked once per session, the
   * answer shared by its concurrent requests.
   */
  private frigateSaysH264(sessionId: string, vodPath: string, caller: FrigateCaller, now = Date.now()): Promise<boolean> {
    const known = this.frigateCodecs.get(sessionId);
    if (known && known.expiresAt > now) return known.isH264;
    const master = `/vod/${vodPath.slice(0, vodPath.lastIndexOf('/') + 1)}${VOD_MASTER_PLAYLIST_FILE_NAME}`;
    const isH264 = frigateGet(this.frigateUrl, master, caller)
      .then(async (response) => response.ok && chooseVodHandling({ codecParam: null, videoCodecTags: videoCodecTagsOf(await response.text()) }) === 'frigate')
      .catch(() => false);
    if (this.frigateCodecs.size >= DECISIONS_KEPT) {
      for (const [id, entry] of this.frigateCodecs) if (entry.expiresAt <= now) this.frigateCodecs.delete(id);
      if (this.frigateCodecs.size >= DECISIONS_KEPT) this.frigateCodecs.clear();
    }
    this.frigateCodecs.set(sessionId, { isH264, expiresAt: now + FRIGATE_CODECS_KEPT_MS });
    return isH264;
  }

  private fail(response: ServerResponse, error: unknown): void {
    const answer = errorAnswer(error);
    if (answer.unexpected) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (response.headersSent) {
      response.destroy();
      return;
    }
    sendJson(response, answer.status, answer.body, answer.headers);
  }
}

function assertCameraAllowed(user: FrigateUser, camera: string): void {
  if (!mayWatch(user, camera)) throw new ForbiddenException({ success: false, message: `No access to camera '${camera}'` });
}

function sendText(response: ServerResponse, text: string): void {
  response.writeHead(200, { 'Content-Type': PLAYLIST_TYPE, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
