import { Injectable, Logger } from '@nestjs/common';
import { sessionLog } from '../model/session-log';
import { SessionDriverFactory } from '../scheduler/session-driver.factory';
import type { SessionDiskState, SessionsOnDisk } from '../storage/disk-budget.service';
import { ForeignSessionDirError, SessionFilesStore } from '../storage/session-files.store';
import { SessionRemovalReason, TranscodeEvents } from '../transcode-events';
import { TranscoderUnavailableException } from '../transcode.exceptions';
import { TrackTable } from '../tracks/track-table';
import { SegmentDriver, ViewDriver } from '../tracks/view-driver';
import type { TranscodeSession } from './transcode-session';

/** A session and the driver of its runs. */
export interface SessionEntry {
  session: TranscodeSession;
  /** Its own runs' driver, or (a view of a track) the one that asks the track's. */
  driver: SegmentDriver;
}

/**
 * The live sessions of this node, by id, and the one way in (open: its driver, its folder) and
 * out of one (stop: its runs end, waiting requests fail, its folder goes). A session with the id
 * of one being stopped waits for that one's folder to be gone (`stopped(id)`). The disk budget
 * sees the sessions' segments through it (SessionsOnDisk).
 */
@Injectable()
export class SessionTable implements SessionsOnDisk {
  private readonly logger = new Logger(SessionTable.name);
  private readonly entries = new Map<string, SessionEntry>();
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly segmentStoredListeners: (() => void)[] = [];

  constructor(
    private readonly files: SessionFilesStore,
    private readonly events: TranscodeEvents,
    private readonly drivers: SessionDriverFactory,
    private readonly tracks: TrackTable,
  ) {}

  get(id: string): SessionEntry | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  sessions(): TranscodeSession[] {
    return [...this.entries.values()].map((entry) => entry.session);
  }

  /** Live sessions created by `owner`. */
  countOwnedBy(owner: string): number {
    let count = 0;
    for (const { session } of this.entries.values()) if (session.alive && session.owner === owner) count += 1;
    return count;
  }

  /**
   * Registers a new session with the driver of its runs and starts making its folder
   * (`session.folderMade`). Synchronous up to the insert: nothing awaits between a caller's last
   * lookup and this.
   */
  open(session: TranscodeSession): SessionEntry {
    const driver = this.driverOf(session);
    session.attachProduction(driver);
    const entry = { session, driver };
    this.entries.set(session.id, entry);
    this.events.publish({
      type: 'session-started',
      sessionId: session.id,
      camera: session.camera,
      start: session.start,
      end: session.end,
      durationSeconds: session.timeline.durationSeconds,
    });
    session.folderMade = this.makeFolder(session);
    return entry;
  }

  /**
   * A session's driver: its own runs over its plan, or, for a view of a track, the track's
   * (held for it) and a driver of its own for its head and tail, on the track's timeline.
   */
  private driverOf(session: TranscodeSession): SegmentDriver {
    const stored = () => this.segmentStored();
    const view = session.view;
    if (!view) return this.drivers.create(session, stored);
    const { track: plan } = view;
    const track = this.tracks.hold(plan, session.id, stored);
    const own = this.drivers.create(
      {
        id: session.id,
        camera: session.camera,
        owner: session.owner,
        speed: plan.rendition.speed,
        rendition: plan.rendition,
        timeline: plan.timeline,
        segments: view.ownSegments,
        ptsBaseSeconds: plan.ptsBaseSeconds,
        outputFormat: () => plan.output,
      },
      stored,
    );
    return new ViewDriver(session.id, view.sources, track, own, () => this.tracks.release(plan.id, session.id));
  }

  /** Resolves once the session of this id that is being stopped (if any) is gone, folder and all. */
  stopped(id: string): Promise<void> {
    return this.stopping.get(id) ?? Promise.resolve();
  }

  /**
   * Stops the session's runs and deletes it and its folder. Safe to call more than once.
   * `cause`: why a failed session failed, for the requests still waiting on it.
   */
  stop(session: TranscodeSession, reason: SessionRemovalReason, cause?: Error): Promise<void> {
    const entry = this.entries.get(session.id);
    if (entry?.session === session) this.entries.delete(session.id);
    if (!session.stop()) return this.stopping.get(session.id) ?? Promise.resolve();
    this.events.publish({ type: 'session-removed', sessionId: session.id, reason });
    const stopped = (async () => {
      await entry?.driver.close(cause);
      // A folder that cannot be removed is logged; it must not hide why the session stopped.
      await this.files
        .removeSessionDir(session.id)
        .catch((error: Error) => this.logger.warn(sessionLog(session, `could not remove its folder: ${error.message}`)));
    })().finally(() => {
      if (this.stopping.get(session.id) === stopped) this.stopping.delete(session.id);
    });
    this.stopping.set(session.id, stopped);
    return stopped;
  }

  diskStates(now: number, memoryMs: number): SessionDiskState[] {
    return [...this.sessionDiskStates(now, memoryMs), ...this.trackDiskStates(now, memoryMs)];
  }

  /**
   * Each track as the budget sees it: accessed when its latest session was, asked for where its
   * sessions' viewers are (their indices as the track's), never evicted whole while held.
   */
  private trackDiskStates(now: number, memoryMs: number): SessionDiskState[] {
    return this.tracks.tracks().map(({ plan, driver, holders }) => {
      const sessions = [...holders].map((id) => this.entries.get(id)?.session).filter((session): session is TranscodeSession => !!session);
      const requested = sessions.flatMap((session) =>
        session.recentlyRequested(now, memoryMs).flatMap((index) => {
          const source = session.view?.sources[index];
          return source?.from === 'track' ? [source.index] : [];
        }),
      );
      return {
        id: plan.id,
        camera: plan.camera,
        state: 'active' as const,
        lastAccessAt: Math.max(0, ...sessions.map((session) => session.lastAccessAt)),
        hasWaiters: driver.hasWaiters,
        segments: driver.storedSegments(),
        recentlyRequested: [...new Set(requested)],
      };
    });
  }

  private sessionDiskStates(now: number, memoryMs: number): SessionDiskState[] {
    return this.sessions()
      .filter((session) => session.alive)
      .map((session) => ({
        id: session.id,
        camera: session.camera,
        state: session.state,
        lastAccessAt: session.lastAccessAt,
        hasWaiters: session.hasWaiters,
        segments: session.storedSegments(),
        recentlyRequested: session.recentlyRequested(now, memoryMs),
      }));
  }

  storedBytes(): number {
    let bytes = 0;
    for (const { session } of this.entries.values()) bytes += session.storedBytes;
    for (const { driver } of this.tracks.tracks()) bytes += driver.storedBytes;
    return bytes;
  }

  forgetSegments(id: string, indices: readonly number[]): string[] | null {
    const owner = this.entries.get(id)?.driver ?? this.tracks.get(id)?.driver;
    return owner?.forgetSegments(indices) ?? null;
  }

  /** A session is stopped; a track is not (it goes when its last session does). */
  async evict(id: string, evicting: () => void): Promise<boolean> {
    const session = this.entries.get(id)?.session;
    if (!session) return false;
    evicting();
    await this.stop(session, 'evicted');
    return true;
  }

  onSegmentStored(listener: () => void): void {
    this.segmentStoredListeners.push(listener);
  }

  private segmentStored(): void {
    for (const listener of this.segmentStoredListeners) listener();
  }

  /** The session's folder; a failure is the session's (its requests learn it), told without a server path. */
  private async makeFolder(session: TranscodeSession): Promise<void> {
    await this.files.createSessionDir(session.id).catch((error: Error) => {
      // The path and the system's reason go to the log (and to /health's detail): a client learns no server path.
      this.logger.error(sessionLog(session, `TRANSCODE_DIR: ${error.message}`));
      throw new TranscoderUnavailableException(
        error instanceof ForeignSessionDirError
          ? "a folder of this session's name in TRANSCODE_DIR was not made by this service, and is left alone"
          : 'TRANSCODE_DIR is not writable',
      );
    });
    session.hasFolder = true;
  }
}
