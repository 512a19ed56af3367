import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock';
import type { PlaybackSpeed } from '../model/playback-speed';
import { transcodeSessionId } from '../model/session-id';
import { sessionLog } from '../model/session-log';
import type { OpenOptions } from '../model/session-views';
import { H264RangeException, isAllH264, isH264RangeRefusal, sourceVideoCodecs } from '../policy/h264-hand-off';
import { DiskBudgetService } from '../storage/disk-budget.service';
import { SessionNotFoundException } from '../transcode.exceptions';
import { AdmissionLimits } from './admission-limits';
import { RangePlanner } from './range-planner';
import { SegmentAccess } from './segment-access.service';
import { SessionTable } from './session-table';
import { SessionPlan, TranscodeSession } from './transcode-session';

/** A range asked for: a camera, its start and end, and the speed of its session (its id says all four). */
interface RangeRequest {
  id: string;
  camera: string;
  start: number;
  end: number;
  speed: PlaybackSpeed;
}

/** How a new session is let in. */
interface AdmitOptions {
  /** Its creator, checked against the limits (undefined: nobody known, nothing checked but the encoder room). */
  requester?: string;
  /** A takeover passes no limit: the session exists and its viewer waits (its runs still take process slots). */
  limited: boolean;
  /** Ask for its first segment once it is launched (the API's create). */
  firstSegment: boolean;
  /** See OpenOptions.handOffH264. */
  handOffH264?: boolean;
}

/**
 * How a session comes to be on this node, or is joined: deduplicated by its id, admitted within
 * the limits, its range planned, room checked on the disk, then launched into the session table.
 * A create and a takeover go the same way; a takeover passes no limit and asks for no segment.
 */
@Injectable()
export class SessionAdmission {
  private readonly logger = new Logger(SessionAdmission.name);
  /** New sessions being admitted (planned, counted, given room), by id. */
  private readonly admitting = new Map<string, Promise<TranscodeSession>>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly planner: RangePlanner,
    private readonly table: SessionTable,
    private readonly disk: DiskBudgetService,
    private readonly access: SegmentAccess,
    private readonly clock: Clock,
  ) {}

  /**
   * Starts a session for the range, or joins the one that exists, and resolves once its first
   * segment is playable (or, not waiting, once it is planned: then nothing runs until a segment
   * is asked, and the first segment request decides where its first run starts). Everything
   * between the registry lookup and the insert is synchronous, so any number of identical
   * concurrent requests share one session and one ffmpeg.
   */
  async open(
    camera: string,
    start: number,
    end: number,
    requester?: string,
    { waitForFirstSegment = true, speed = 1, handOffH264 = false }: OpenOptions = {},
  ): Promise<TranscodeSession> {
    const range = this.range(camera, start, end, speed);
    const admitted = { requester, limited: true, firstSegment: waitForFirstSegment };
    const session =
      (await this.existing(range.id)) ??
      (await this.shared(range, { ...admitted, handOffH264 }).catch((error: unknown) => {
        // An admission shared with a caller that hands H.264 off (the front door): this one transcodes it.
        if (handOffH264 || !isH264RangeRefusal(error)) throw error;
        return this.admit(range, admitted);
      }));
    session.touch(this.clock.now());
    // Not waiting: nothing is asked of it; its first segment request waits instead (and sees the failure, if any).
    if (!waitForFirstSegment) return session;
    await this.served(session);
    // Joined a session opened without waiting (the front door's) whose segment 0 nobody asked
    // for: this answer promises a playlist that plays at once.
    if (!session.readyFile(0)) await this.access.segmentFile(session, 0);
    return session;
  }

  /**
   * Takes over the session of a range whose node died: registered here at once, without asking
   * for any segment (the request that comes with the takeover asks for the one it needs, and
   * its first run starts there).
   */
  async adopt(camera: string, start: number, end: number, speed: PlaybackSpeed = 1): Promise<TranscodeSession> {
    const range = this.range(camera, start, end, speed);
    const existing = await this.existing(range.id);
    if (existing) return existing;
    const session = await this.admit(range, { limited: false, firstSegment: false });
    await this.served(session);
    return session;
  }

  /** Whether a new session of this id is being admitted here right now (planned, counted, given room). */
  isAdmitting(sessionId: string): boolean {
    return this.admitting.has(sessionId);
  }

  /** Ids of the sessions being admitted now: they will hold encoder slots. */
  admittingIds(): string[] {
    return [...this.admitting.keys()];
  }

  private range(camera: string, start: number, end: number, speed: PlaybackSpeed): RangeRequest {
    this.planner.assertRange(start, end);
    return { id: transcodeSessionId(camera, start, end, speed), camera, start, end, speed };
  }

  /** The live session of this id, once one of that id being stopped is gone. */
  private async existing(id: string): Promise<TranscodeSession | undefined> {
    await this.table.stopped(id);
    return this.table.get(id)?.session;
  }

  /** Resolves once it can be served; 404 when it was deleted while it started (the playlist would not be there). */
  private async served(session: TranscodeSession): Promise<void> {
    await session.ready;
    if (!session.alive) throw new SessionNotFoundException();
  }

  /**
   * Identical requests that arrive while the first is still being admitted share its admission:
   * one plan, one count against the rate limit, one answer.
   */
  private shared(range: RangeRequest, options: AdmitOptions): Promise<TranscodeSession> {
    let admitting = this.admitting.get(range.id);
    if (!admitting) {
      admitting = this.admit(range, options).finally(() => this.admitting.delete(range.id));
      this.admitting.set(range.id, admitting);
    }
    return admitting;
  }

  /**
   * Lets a new session in, then plans its range: the creator's session cap, the encoder limit
   * and the rate limit are checked first, so a refused create costs no recordings lookup (a
   * client hammering creates makes no disk work). Then the disk budget. Everything from the
   * last registry lookup to the insert is synchronous.
   */
  private async admit(range: RangeRequest, { requester, limited, firstSegment, handOffH264 = false }: AdmitOptions): Promise<TranscodeSession> {
    const { id } = range;
    if (limited && !this.table.has(id) && requester) await this.limits.admitNew(requester);
    const timeline = await this.planner.timeline(range.camera, range.start, range.end);
    // See OpenOptions.handOffH264: H.264 the caller plays as it is starts nothing here.
    const codecs = handOffH264 ? sourceVideoCodecs(timeline.pieces) : [];
    if (isAllH264(codecs) && !this.table.has(id)) throw new H264RangeException();
    if (!this.table.has(id)) await this.disk.assertRoomForNewSession();
    // Planned before the last lookup (a view reads its hour's recordings); a join needs none.
    const plan = this.table.has(id) ? null : await this.planner.rangePlan(range.camera, range.start, range.end, timeline, range.speed);
    const existing = await this.existing(id);
    if (existing) return existing;
    if (limited) {
      // The caps again, synchronously with the insert: creates that ran at once all passed the
      // first check before any of them was in the table.
      if (requester) this.limits.assertUnderUserCap(requester);
      this.limits.assertEncoderRoom(requester);
    }
    return this.launch(range, plan ?? this.planner.sessionPlan(timeline, range.speed), {
      owner: limited ? requester : undefined,
      firstSegment: firstSegment && codecs !== undefined,
      awaitingHandOff: codecs === undefined,
    });
  }

  /** Synchronous: registers the session (its driver, its folder) before anything awaits. */
  private launch(range: RangeRequest, plan: SessionPlan, options: { owner?: string; firstSegment: boolean; awaitingHandOff: boolean }): TranscodeSession {
    const { id, camera, start, end } = range;
    const session = new TranscodeSession({
      id,
      camera,
      start,
      end,
      plan,
      createdAt: this.clock.now(),
      owner: options.owner,
      awaitingHandOff: options.awaitingHandOff,
    });
    this.table.open(session);
    session.ready = this.prepare(session, options.firstSegment).catch(async (error: unknown) => {
      this.logger.error(sessionLog(session, `could not start: ${(error as Error).message}`));
      await this.table.stop(session, 'failed', error as Error);
      throw error;
    });
    // A session opened without waiting has nobody on `ready`: its failure is logged above and
    // met by the segment requests (the session is gone), never an unhandled rejection.
    session.ready.catch(() => undefined);
    return session;
  }

  /**
   * Its folder, then (for the API's create) its first segment. A session opened without waiting
   * asks for nothing: it stays 'opened', with no run, until a segment is asked of it.
   */
  private async prepare(session: TranscodeSession, firstSegment: boolean): Promise<void> {
    await session.folderMade;
    if (firstSegment) await this.access.segmentFile(session, 0);
  }
}
