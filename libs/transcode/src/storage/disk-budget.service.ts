import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock';
import { checkReservation, planDiskReclaim, viewerPositionsFrom } from './disk-budget';
import { MIN_FREE_BYTES, SessionFilesStore } from './session-files.store';
import { sessionLog } from '../model/session-log';
import type { TranscodeSessionState } from '../model/session-views';
import { viewerPositionMemoryMs } from '../policy/idleness';
import { TranscodeEvents } from '../transcode-events';
import { InsufficientStorageException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';

/** Past this share of TRANSCODE_MAX_DISK_MB, room is made down to the low-water share. */
const DISK_HIGH_WATER = 0.9;
const DISK_LOW_WATER = 0.75;
/** Segments this far behind the viewer furthest back are kept, so a short seek back needs no encode. */
const KEEP_BEHIND_SECONDS = 60;

/** A live session as the disk budget sees it. */
export interface SessionDiskState {
  id: string;
  camera: string;
  state: TranscodeSessionState;
  /** Epoch ms of its last request. */
  lastAccessAt: number;
  hasWaiters: boolean;
  /** Finished segments on disk and their sizes. */
  segments: readonly { index: number; bytes: number }[];
  /** Segments asked for within the viewer-position memory. */
  recentlyRequested: readonly number[];
}

/** The sessions whose segments the budget counts and takes back: the session table, the one way in and out of a session. */
export interface SessionsOnDisk {
  diskStates(now: number, memoryMs: number): SessionDiskState[];
  /** Bytes of every live session's finished segments. */
  storedBytes(): number;
  /** Forgets segments of a session (their files are deleted next); their files, or null when the session is gone. */
  forgetSegments(id: string, indices: readonly number[]): string[] | null;
  /** Stops and deletes a session (`evicting` is told first); false when it is gone already. */
  evict(id: string, evicting: () => void): Promise<boolean>;
  /** Calls `listener` after every finished segment stored. */
  onSegmentStored(listener: () => void): void;
}

export const SESSIONS_ON_DISK = Symbol('SESSIONS_ON_DISK');

/**
 * Room held in TRANSCODE_DIR for a file that is being written (an export's MP4): counted in the
 * usage from before its first byte until its holder releases it.
 */
export interface DiskReservation {
  /** Bytes held. */
  readonly bytes: number;
  /**
   * Holds at least `totalBytes` in all, `writtenBytes` of which are on disk already: more room
   * is taken when the reservation was too small, or a 507 when there is none.
   */
  cover(totalBytes: number, writtenBytes: number): Promise<void>;
  /** Gives the room back (its file is gone). Once is enough, more are ignored. */
  release(): void;
}

/** One reservation's room, and what of it is written. */
interface HeldRoom {
  bytes: number;
  written: number;
}

/**
 * TRANSCODE_MAX_DISK_MB as a ceiling: after every stored segment, past the high-water mark,
 * segments far from every viewer (behind them first, then ahead), then idle sessions, are
 * deleted down to the low-water mark; a new session that finds no room gets 507. Room reserved
 * for exports is counted with the segments, and never reclaimed.
 */
@Injectable()
export class DiskBudgetService {
  private readonly logger = new Logger(DiskBudgetService.name);
  /** The reclaim in progress, if any: one at a time. */
  private reclaiming: Promise<number> | null = null;
  private readonly reservations = new Set<HeldRoom>();

  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    @Inject(SESSIONS_ON_DISK) private readonly sessions: SessionsOnDisk,
    private readonly files: SessionFilesStore,
    private readonly events: TranscodeEvents,
    private readonly clock: Clock,
  ) {
    sessions.onSegmentStored(() => this.afterSegmentStored());
  }

  /** The ceiling, TRANSCODE_MAX_DISK_MB in bytes; 0 when there is none (an embedding app may give no maxDiskBytes). */
  ceilingBytes(): number {
    return this.options.maxDiskBytes ?? 0;
  }

  /** Bytes of finished segments in TRANSCODE_DIR, over every live session, and the room reserved for exports. */
  usageBytes(): number {
    return this.reservedBytes() + this.sessions.storedBytes();
  }

  /**
   * Reserves `bytes` for a file about to be written (`what` names it in the 507): within the
   * high-water mark of TRANSCODE_MAX_DISK_MB with everything else counted (after deleting what a
   * new session may have deleted for it: nothing viewers are watching), and above the free-space
   * floor. Otherwise 507, and nothing is held.
   */
  async reserve(bytes: number, what: string): Promise<DiskReservation> {
    const room: HeldRoom = { bytes: 0, written: 0 };
    await this.take(room, bytes, what, DISK_HIGH_WATER);
    let released = false;
    return {
      get bytes() {
        return room.bytes;
      },
      // Grows up to the budget itself: what is being written is worth more than segments far
      // from their viewers, which the next reclaim deletes.
      cover: async (totalBytes: number, writtenBytes: number) => {
        room.written = Math.min(writtenBytes, room.bytes);
        if (released || totalBytes <= room.bytes) return;
        await this.take(room, totalBytes - room.bytes, what, 1);
      },
      release: () => {
        released = true;
        this.reservations.delete(room);
      },
    };
  }

  /**
   * After a segment is stored: past the high-water mark, room is made down to the low one from
   * what is far from every viewer; past the budget itself, from anything but the few segments
   * at each viewer, down to the budget (a ceiling, never a target that may be overrun).
   */
  afterSegmentStored(): void {
    const budget = this.options.maxDiskBytes;
    if (!budget || this.reclaiming || this.usageBytes() <= budget * DISK_HIGH_WATER) return;
    this.reclaiming = this.reclaim(budget * DISK_LOW_WATER, { ahead: true })
      .then((after) => (after > budget ? this.reclaim(budget, { ahead: true, toTheViewers: true }) : after))
      .catch((error: Error) => {
        this.logger.error(`disk reclaim failed: ${error.message}`);
        return this.usageBytes();
      })
      .finally(() => (this.reclaiming = null));
  }

  /**
   * Adds `bytes` to `room` (a reservation), making room first as for a new session, if it fits
   * within `limitShare` of the budget and above the free-space floor; 507 otherwise.
   */
  private async take(room: HeldRoom, bytes: number, what: string, limitShare: number): Promise<void> {
    const budget = this.options.maxDiskBytes;
    const limit = budget ? budget * limitShare : null;
    if (limit !== null && this.usageBytes() + bytes > limit) await this.reclaim(Math.max(0, limit - bytes));
    const free = await this.files.freeBytes().catch(() => null);
    // Decided with what is held after the last await, and taken at once: two reservations
    // cannot both be given the same room.
    const verdict = checkReservation({
      usedBytes: this.usageBytes(),
      requestBytes: bytes,
      limitBytes: limit,
      freeBytes: free,
      outstandingBytes: this.outstandingBytes(),
      minFreeBytes: MIN_FREE_BYTES,
    });
    if (!verdict.fits) {
      throw new InsufficientStorageException(
        verdict.reason === 'budget'
          ? `${mebibytes(bytes)} MiB more would pass TRANSCODE_MAX_DISK_MB=${mebibytes(budget!)} (${mebibytes(this.usageBytes())} MiB taken by sessions being watched and exports)`
          : `${mebibytes(bytes)} MiB more would leave less than ${mebibytes(MIN_FREE_BYTES)} MiB free on the filesystem of TRANSCODE_DIR`,
        what,
      );
    }
    room.bytes += bytes;
    this.reservations.add(room);
  }

  private reservedBytes(): number {
    let bytes = 0;
    for (const room of this.reservations) bytes += room.bytes;
    return bytes;
  }

  /** Room reserved and not written yet: free on the filesystem now, but taken. */
  private outstandingBytes(): number {
    let bytes = 0;
    for (const room of this.reservations) bytes += Math.max(0, room.bytes - room.written);
    return bytes;
  }

  /**
   * A new session needs room: within TRANSCODE_MAX_DISK_MB (after making room) and above the
   * free-space floor of the filesystem. Otherwise 507, with what is taking the space.
   */
  async assertRoomForNewSession(): Promise<void> {
    const budget = this.options.maxDiskBytes;
    if (budget) {
      if (this.usageBytes() > budget * DISK_LOW_WATER) await this.reclaim(budget * DISK_LOW_WATER);
      const used = this.usageBytes();
      if (used >= budget * DISK_HIGH_WATER) {
        this.events.publish({ type: 'session-rejected', reason: 'disk_full' });
        throw new InsufficientStorageException(`${mebibytes(used)} MiB of TRANSCODE_MAX_DISK_MB=${mebibytes(budget)} are taken by sessions being watched`);
      }
    }
    const measured = await this.files.freeBytes().catch(() => null);
    if (measured === null) return;
    // What exports hold and have not written yet is not free.
    const free = measured - this.outstandingBytes();
    if (free >= MIN_FREE_BYTES) return;
    await this.reclaim(Math.max(0, this.usageBytes() - (MIN_FREE_BYTES - free)));
    const after = (await this.files.freeBytes().catch(() => measured)) - this.outstandingBytes();
    if (after < MIN_FREE_BYTES) {
      this.events.publish({ type: 'session-rejected', reason: 'disk_full' });
      throw new InsufficientStorageException(`only ${mebibytes(after)} MiB free on the filesystem of TRANSCODE_DIR`);
    }
  }

  /**
   * Deletes segments and idle sessions until the usage is at most `targetBytes`; returns it
   * afterwards. For a new session (`ahead: false`), segments around the viewers
   * of sessions being watched are not given up: the newcomer is refused instead.
   */
  private async reclaim(targetBytes: number, { ahead = false, toTheViewers = false } = {}): Promise<number> {
    const now = this.clock.now();
    const segmentSeconds = this.options.segmentDurationSeconds;
    const keepBehind = Math.ceil(KEEP_BEHIND_SECONDS / segmentSeconds);
    const keepAhead = Math.ceil(this.options.lookaheadSeconds / segmentSeconds);
    const live = this.sessions.diskStates(now, viewerPositionMemoryMs(this.options.idleTimeoutSeconds * 1000));
    const views = live.map((session) => {
      const viewerPositions = viewerPositionsFrom(session.recentlyRequested, keepBehind);
      return {
        id: session.id,
        lastAccessAt: session.lastAccessAt,
        idle:
          session.state === 'active' &&
          viewerPositions.length === 0 &&
          now - session.lastAccessAt > this.options.idleTimeoutSeconds * 1000 &&
          !session.hasWaiters,
        segments: session.segments,
        viewerPositions,
      };
    });
    const byId = new Map(live.map((session) => [session.id, session]));
    // Reserved room is never reclaimed: the segments make up the rest of the target.
    const plan = planDiskReclaim(views, Math.max(0, targetBytes - this.reservedBytes()), keepBehind, {
      keepAheadSegments: ahead ? keepAhead : undefined,
      toTheViewers,
    });
    for (const [id, indices] of plan.deleteSegments) {
      // A reader that already opened one keeps its descriptor; a later request makes it again.
      const files = this.sessions.forgetSegments(id, indices);
      if (!files) continue;
      await Promise.all(files.map((file) => this.files.removeFile(id, file).catch(() => undefined)));
      this.logger.log(sessionLog(byId.get(id)!, `disk budget: deleted ${files.length} segment(s) far from its viewers`));
    }
    for (const id of plan.evictSessions) {
      await this.sessions.evict(id, () => this.logger.log(sessionLog(byId.get(id)!, 'disk budget: evicting this idle session')));
    }
    return this.usageBytes();
  }
}

function mebibytes(bytes: number): number {
  return Math.round(bytes / 1048576);
}
