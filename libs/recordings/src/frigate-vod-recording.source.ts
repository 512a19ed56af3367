import { Logger } from '@nestjs/common';
import { isValidCameraName } from './camera-name';
import { UnusableUpstreamPlaylistError, parseUpstreamPlaylist, upstreamSegmentsAsRecordings, vodUrlFor } from './frigate-vod-playlist';
import { RecordingsUpstreamException } from './recordings.exceptions';
import { RecordedPeriods, RecordingFile, RecordingSource } from './recording-source.interface';
import type { RecordingsModuleOptions } from './recordings.module-definition';

/** Frigate's internal (unauthenticated) port: its nginx serves /vod and /api there. */
export const DEFAULT_FRIGATE_VOD_URL = 'http://127.0.0.1:5000/vod/{camera}/start/{start}/end/{end}/index.m3u8';
/** An upstream that has not answered in this long has failed (the viewer gets a 502, not a hang). */
const UPSTREAM_TIMEOUT_MS = 15_000;
/** A playlist of 6 hours of 1 s segments is about 1 MB; anything far larger is not a playlist. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const CAMERA_LIST_TTL_MS = 10_000;

/** The origin's /api, where Frigate answers /config, /version and /{camera}/recordings. */
export function defaultFrigateApiUrl(vodUrlTemplate: string): string {
  return `${new URL(vodUrlTemplate.replace(/[{}]/g, '')).origin}/api`;
}

/**
 * Reads Frigate's own VOD stream (what the reference endpoint transcodes): the playlist of a
 * range from FRIGATE_VOD_URL, parsed with hls-parser. Each upstream segment becomes one
 * "recording" whose path is its URL, so the range's duration is the playlist's and a seek
 * starts at the upstream segment that holds it. Cameras come from Frigate's /api/config, and
 * the timeline's spans and gaps from /api/{camera}/recordings.
 */
export class FrigateVodRecordingSource implements RecordingSource {
  private readonly logger = new Logger(FrigateVodRecordingSource.name);
  private readonly vodUrlTemplate: string;
  private readonly apiUrl: string;
  private cameraList: { at: number; cameras: Promise<string[]> } | null = null;

  constructor(options: RecordingsModuleOptions) {
    this.vodUrlTemplate = options.frigateVodUrl ?? DEFAULT_FRIGATE_VOD_URL;
    this.apiUrl = (options.frigateApiUrl ?? defaultFrigateApiUrl(this.vodUrlTemplate)).replace(/\/+$/, '');
  }

  listCameras(): Promise<string[]> {
    const now = Date.now();
    if (!this.cameraList || now - this.cameraList.at > CAMERA_LIST_TTL_MS) {
      const cameras = this.fetchCameras();
      this.cameraList = { at: now, cameras };
      // A failed read is not cached: the next request asks again.
      cameras.catch(() => (this.cameraList = null));
    }
    return this.cameraList.cameras;
  }

  async findRecordings(camera: string, start: number, end: number): Promise<RecordingFile[]> {
    if (!isValidCameraName(camera)) return [];
    let url = vodUrlFor(this.vodUrlTemplate, camera, start, end);
    for (let hops = 0; hops < 2; hops += 1) {
      const text = await this.fetchText(url, 'VOD playlist');
      // Frigate answers 404 for a range without recordings.
      if (text === null) return [];
      const playlist = this.parse(text, url);
      if (playlist.kind === 'media') return upstreamSegmentsAsRecordings(camera, playlist.segments, start);
      url = playlist.variantUri;
    }
    throw new RecordingsUpstreamException('its master playlist points at another master playlist');
  }

  /** Frigate's own list of the window's recordings (Frigate reads the files: none is named unreadable here). */
  async findRecordedPeriods(camera: string, after: number, before: number): Promise<RecordedPeriods> {
    if (!isValidCameraName(camera)) return { periods: [], unreadable: [] };
    const url = `${this.apiUrl}/${encodeURIComponent(camera)}/recordings?after=${after}&before=${before}`;
    const rows = this.parseJson(await this.fetchText(url, 'recordings list'), 'recordings list');
    if (!Array.isArray(rows)) return { periods: [], unreadable: [] };
    const periods = rows
      .map((row) => ({ startTime: Number(row?.start_time), endTime: Number(row?.end_time) }))
      .filter((row) => Number.isFinite(row.startTime) && row.endTime > row.startTime)
      .map((row) => ({ startTime: row.startTime, durationSeconds: row.endTime - row.startTime }))
      .sort((a, b) => a.startTime - b.startTime);
    return { periods, unreadable: [] };
  }

  /** Upstream segments are not read ahead: their frame times stay unknown, and the plan nominal. */
  async withMedia(files: readonly RecordingFile[]): Promise<RecordingFile[]> {
    return [...files];
  }

  async checkReadable(): Promise<void> {
    try {
      if ((await this.fetchText(`${this.apiUrl}/version`, 'version')) === null) throw new Error('HTTP 404');
    } catch (error) {
      throw new Error(`Frigate at ${this.apiUrl} does not answer: ${describe(error)}`);
    }
  }

  private async fetchCameras(): Promise<string[]> {
    const config = this.parseJson(await this.fetchText(`${this.apiUrl}/config`, 'config'), 'config');
    const cameras = config && typeof config.cameras === 'object' && config.cameras ? Object.keys(config.cameras) : [];
    return cameras.filter(isValidCameraName).sort();
  }

  private parse(text: string, url: string) {
    try {
      return parseUpstreamPlaylist(text, url);
    } catch (error) {
      if (error instanceof UnusableUpstreamPlaylistError) {
        this.logger.warn(`unusable playlist from ${url}: ${error.message}`);
        throw new RecordingsUpstreamException(`its VOD playlist is unusable: ${error.message}`);
      }
      throw error;
    }
  }

  private parseJson(text: string | null, what: string): any {
    if (text === null) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new RecordingsUpstreamException(`its ${what} is not JSON`);
    }
  }

  /** GET `url` as text; null on 404; a 502 on anything else that is not a 2xx, or no answer. */
  private async fetchText(url: string, what: string): Promise<string | null> {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS), redirect: 'error' });
    } catch (error) {
      this.logger.warn(`${what} from ${url}: ${describe(error)}`);
      throw new RecordingsUpstreamException(`its ${what} could not be fetched (${describe(error)})`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      this.logger.warn(`${what} from ${url}: HTTP ${response.status}`);
      throw new RecordingsUpstreamException(`its ${what} answered HTTP ${response.status}`);
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_RESPONSE_BYTES) {
      await response.body?.cancel();
      throw new RecordingsUpstreamException(`its ${what} is too large`);
    }
    const body = await readAtMost(response, MAX_RESPONSE_BYTES);
    if (body === null) throw new RecordingsUpstreamException(`its ${what} is too large`);
    return body.toString('utf8');
  }
}

/**
 * The body of `response`, read as it arrives and given up (cancelled) once past `maxBytes`:
 * an answer without a Content-Length (chunked) is never held whole before it is measured.
 * Null when it is larger.
 */
async function readAtMost(response: Response, maxBytes: number): Promise<Buffer | null> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, length);
    length += value.length;
    if (length > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  if ((error as Error)?.name === 'TimeoutError') return `no answer within ${UPSTREAM_TIMEOUT_MS / 1000} s`;
  return cause ?? (error as Error)?.message ?? String(error);
}
