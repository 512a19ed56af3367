import type { Readable } from 'node:stream';
import type { PlaybackSpeed } from './playback-speed';

/*
 * What the rest of the service sees of a session, across module lines (routing, the cluster,
 * the front door, the API): plain values, never the engine's own objects.
 */

/** What the API needs to know of a session, wherever it runs. */
export interface RoutedSession {
  sessionId: string;
  camera: string;
  /** Seconds of video in its range (gaps collapsed). */
  durationSeconds: number;
  /** What its segments carry, for a master playlist (known once its recordings were read). */
  variant?: SessionVariant;
  /**
   * Planned for a caller that hands H.264 off without knowing its codecs (its source reads no
   * headers) and started without its encoder; true until its first segment is asked, so that
   * caller removes only a session it has just planned, never one it joined (OpenOptions.handOffH264).
   */
  awaitingHandOff?: boolean;
}

/** The one rendition of a session, as a master playlist describes it. */
export interface SessionVariant {
  width?: number;
  height?: number;
  /** Frames a second of its first recording, when its header gave frame times (a fast rendition's own rate). */
  frameRate?: number;
  /** RFC 6381 codec of a copied stream (the source's profile and level); absent: the encoder's. */
  videoCodec?: string;
  audio: boolean;
}

/** How a session is opened. */
export interface OpenOptions {
  /**
   * Resolve once its first segment is playable (the default: the API's answer promises a
   * playlist that plays at once), or as soon as it is planned (a playlist answered at once). Not
   * waiting asks nothing of its encoder: no run starts until a segment is asked, and the first
   * segment request decides where its first run starts (a player's deep link, an export's
   * segment 0, a takeover's request). Carried to the node that runs the session in a cluster.
   */
  waitForFirstSegment?: boolean;
  /** Playback speed (a session of its own); 1 when absent. */
  speed?: PlaybackSpeed;
  /**
   * The caller plays H.264 recordings as they are (the front door: Frigate's own /vod, at no CPU
   * here). A new session whose plan finds every recording H.264 is then not started: an
   * H264RangeException, after its admission and its plan (it cost a lookup, so it counts against
   * SESSION_CREATE_LIMIT like a create). One whose plan cannot tell the codecs (a source that
   * reads no headers) is started without asking its encoder for a first segment, and says so
   * (RoutedSession.awaitingHandOff), so the caller can find them elsewhere and remove it before
   * any process runs. Joining is unaffected.
   */
  handOffH264?: boolean;
}

/** A playlist or segment of a session, ready to send. */
export type StreamFile =
  | { kind: 'playlist'; text: string }
  | { kind: 'segment'; stream: Readable; length?: number }
  /** A segment read whole (a local one of known size). */
  | { kind: 'segment-bytes'; bytes: Buffer };

/**
 * opened: planned (its playlists answer), no segment asked yet, nothing running: the first
 * segment request decides where its first run starts; starting: a run is on its way to the first
 * segment asked of it (segment 0 for the API's create); active: it has served a segment (its runs
 * may be encoding, paused or stopped); stopped: deleted or expired. A first request that fails or
 * is withdrawn before any segment is made leaves it opened again.
 */
export type TranscodeSessionState = 'opened' | 'starting' | 'active' | 'stopped';

/** What its runs are doing: encoding when one is, paused when all are, stopped when there are none. */
export type EncoderActivity = 'encoding' | 'paused' | 'stopped';

/** A session as the admin listing shows it (TranscodeSessionSummary is its Swagger shape). */
export interface SessionSummary {
  sessionId: string;
  camera: string;
  start: number;
  end: number;
  state: TranscodeSessionState;
  /** Segments in the playlist. */
  segments: number;
  /** Segments finished so far. */
  readySegments: number;
  encoder: EncoderActivity;
  /** Epoch ms of the last request. */
  lastAccessAt: number;
  /** pid of the running ffmpeg, if any. */
  pid: number | null;
  /** ffmpeg video encoder of the current (or last) run. */
  videoEncoder: string | null;
  speed: number;
  /** How its video is made. */
  video: 'encode' | 'copy' | 'fast';
}

/** A session in the listing, with the node that runs it. */
export type RoutedSessionSummary = SessionSummary & { node?: string };

/**
 * A session of this node's engine as it is at one moment: what the engine hands out (the
 * cluster's routing, heartbeats and internal routes, the metrics), frozen; never the engine's
 * own object.
 */
export interface SessionSnapshot {
  readonly id: string;
  readonly camera: string;
  readonly start: number;
  readonly end: number;
  /** Playback speed of its rendition. */
  readonly speed: number;
  readonly state: TranscodeSessionState;
  /** Not stopped. */
  readonly alive: boolean;
  /** Who created it (`user:…` or `ip:…`); undefined for a takeover. */
  readonly owner?: string;
  /** Epoch ms of the last create, playlist or segment request. */
  readonly lastAccessAt: number;
  /** Seconds its playlist lasts. */
  readonly outputDurationSeconds: number;
  /** See RoutedSession.awaitingHandOff. */
  readonly awaitingHandOff: boolean;
  readonly variant: SessionVariant;
  /** How its video is made. */
  readonly video: 'encode' | 'copy' | 'fast';
  /** Segments in its playlist, and how many are finished. */
  readonly segmentCount: number;
  readonly readyCount: number;
  readonly encoderActivity: EncoderActivity;
  /** pid of a run encoding now (else of a paused one), or null. */
  readonly activePid: number | null;
  /** ffmpeg video encoder of its latest run, or null before the first. */
  readonly videoEncoder: string | null;
}
