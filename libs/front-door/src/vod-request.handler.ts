import { BadRequestException, ForbiddenException, HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CrossSiteWorkException, isCrossSiteCookieLogin } from '@app/auth';
import { errorAnswer, sendJson } from '@app/common';
import { RECORDING_SOURCE, RecordingSource } from '@app/recordings';
import { PLAYLIST_FILE_NAME, SESSION_ENGINE, SESSION_ROUTING, SessionEngine, SessionRouting, clientGoneSignal } from '@app/transcode';
import { pipeline } from 'node:stream/promises';
import { FrigateAuthClient, FrigateUser, mayWatch } from './frigate-auth.client';
import { FrigateEventsClient } from './frigate-events.client';
import { FrigateProxy } from './frigate-proxy';
import { FRONT_DOOR_MODULE_OPTIONS, FrontDoorModuleOptions } from './front-door.module-definition';
import { FrigateCaller, frigateCallerOf, frigateGet } from './frigate-http';
import { renderMasterPlaylist } from './vod-master-playlist';
import { VodHandling, chooseVodHandling, videoCodecTagsOf } from './vod-passthrough';
import { MASTER_PLAYLIST, MEDIA_PLAYLIST, VodRequest, VodRoute, parseVodPath } from './vod-path';
import { TimeRange, hourRange, timeZoneOffsetSeconds } from './vod-range';

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
/** How long a range's handling (transcode or Frigate's) is reused: its recordings' codecs do not change. */
const HANDLING_CACHE_MS = 60_000;
const HANDLING_CACHE_MAX = 2000;
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
 * is planned, its encoder asked for the first segment; only a segment waits for the encoder),
 * and the request's query string is on every URI inside, as Frigate's nginx copies it. What is
 * not a playlist or segment of ours, an H.264 range, or a client that plays HEVC (`?codec=hevc`)
 * goes to Frigate's own /vod untouched.
 */
@Injectable()
export class VodRequestHandler {
  private readonly logger = new Logger(VodRequestHandler.name);
  private readonly handlings = new Map<string, { handling: VodHandling; expiresAt: number }>();

  constructor(
    @Inject(SESSION_ROUTING) private readonly routing: SessionRouting,
    @Inject(SESSION_ENGINE) private readonly engine: SessionEngine,
    @Inject(RECORDING_SOURCE) private readonly recordings: RecordingSource,
    private readonly auth: FrigateAuthClient,
    private readonly events: FrigateEventsClient,
    private readonly frigate: FrigateProxy,
    @Inject(FRONT_DOOR_MODULE_OPTIONS) private readonly options: FrontDoorModuleOptions,
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
      const range = await this.resolve(parsed.request.route, caller, answer.user);
      assertCameraAllowed(answer.user, range.camera);
      // Before anything reads recordings: a range longer than MAX_RANGE_SECONDS is a 400.
      this.engine.assertRange(range.start, range.end);
      const codecParam = new URLSearchParams(query).get('codec');
      const handling = await this.handling(parsed.request.route, range, codecParam, () => this.frigateCodecs(vodPath, caller));
      if (handling === 'frigate') return this.frigate.web(request, response);
      // The API's rule for requests that start work: not from a page on another site with the cookie alone.
      if (isCrossSiteCookieLogin(request.headers)) throw new CrossSiteWorkException();
      await this.transcoded(parsed.request, range, answer.user, query, response);
    } catch (error) {
      this.fail(response, error);
    }
  }

  private async transcoded(request: VodRequest, range: TimeRange, user: FrigateUser, query: string, response: ServerResponse): Promise<void> {
    const session = await this.routing.open(range.camera, range.start, range.end, `user:${user.username}`, { waitForFirstSegment: false });
    const suffix = query ? `?${query}` : '';
    response.setHeader('Cache-Control', 'no-store');
    if (request.file === MASTER_PLAYLIST) {
      return sendText(response, renderMasterPlaylist(session.variant, `${MEDIA_PLAYLIST}${suffix}`));
    }
    // The media playlist is the session's own, with this request's query on every segment URI.
    const fileName = request.file === MEDIA_PLAYLIST ? PLAYLIST_FILE_NAME : request.file;
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

  /**
   * Transcode or Frigate's, decided from the recordings' codecs once a minute per range: from
   * their headers, or, where the source does not read them (frigate-vod), from the CODECS of
   * Frigate's own master playlist of that range.
   */
  private async handling(route: VodRoute, range: TimeRange, codecParam: string | null, askFrigate: () => Promise<string[]>): Promise<VodHandling> {
    const stream = route.form === 'range' ? route.stream : undefined;
    const key = `${range.camera}/${stream ?? ''}/${range.start}/${range.end}/${codecParam ?? ''}`;
    const now = Date.now();
    const cached = this.handlings.get(key);
    if (cached && cached.expiresAt > now) return cached.handling;
    const needsCodecs = codecParam === null && stream !== 'sub';
    const files = needsCodecs ? await this.recordings.withMedia(await this.recordings.findRecordings(range.camera, range.start, range.end)) : [];
    let videoCodecTags = files.map((file) => file.media?.video?.codecTag);
    if (videoCodecTags.length > 0 && videoCodecTags.every((tag) => tag === undefined)) videoCodecTags = await askFrigate();
    const handling = chooseVodHandling({ codecParam, stream, videoCodecTags });
    if (typeof handling === 'object') throw new BadRequestException({ success: false, message: handling.invalid });
    if (this.handlings.size >= HANDLING_CACHE_MAX) this.handlings.clear();
    this.handlings.set(key, { handling, expiresAt: now + HANDLING_CACHE_MS });
    return handling;
  }

  /** The video codecs Frigate's own master playlist of this route announces (none when it does not answer). */
  private async frigateCodecs(vodPath: string, caller: FrigateCaller): Promise<string[]> {
    const master = `/vod/${vodPath.slice(0, vodPath.lastIndexOf('/') + 1)}${MASTER_PLAYLIST}`;
    const response = await frigateGet(this.frigateUrl, master, caller).catch(() => null);
    if (!response?.ok) return [];
    return videoCodecTagsOf(await response.text());
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
