import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InvalidSettingError } from '@app/common';
import { FfmpegHealth } from '../ffmpeg-health.service';
import type { PlaybackSpeed } from '../model/playback-speed';
import type { OpenOptions, SessionSnapshot } from '../model/session-views';
import type { SessionEngine } from '../routing/session-engine';
import { SessionFilesStore } from '../storage/session-files.store';
import { SessionNotFoundException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { AdmissionLimits } from './admission-limits';
import { assertRangeWithin } from './range-planner';
import { SessionAdmission } from './session-admission.service';
import { SessionTable } from './session-table';

/**
 * The front of this node's engine (SessionEngine): opens or joins the session of a range, takes
 * one over, finds, lists and removes sessions, and hands out snapshots of them, never the
 * sessions themselves. Starts with TRANSCODE_DIR and ffmpeg checked, and stops every session
 * before the app shuts down.
 */
@Injectable()
export class TranscodeSessionService implements SessionEngine, OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly admission: SessionAdmission,
    private readonly limits: AdmissionLimits,
    private readonly table: SessionTable,
    private readonly files: SessionFilesStore,
    private readonly ffmpeg: FfmpegHealth,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.files.prepareRoot();
    await this.files.removeLeftovers();
    const probe = await this.ffmpeg.check().catch((error: Error) => error);
    if (probe instanceof Error) {
      throw new InvalidSettingError(`Invalid setting FFMPEG_PATH=${JSON.stringify(this.options.ffmpegPath)}: ${probe.message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.table.sessions().map((session) => this.table.stop(session, 'shutdown')));
  }

  /** 400 for a range that ends before it starts or is longer than MAX_RANGE_SECONDS. */
  assertRange(start: number, end: number): void {
    assertRangeWithin(start, end, this.options.maxRangeSeconds);
  }

  async open(camera: string, start: number, end: number, requester?: string, options?: OpenOptions): Promise<SessionSnapshot> {
    return (await this.admission.open(camera, start, end, requester, options)).snapshot();
  }

  async adopt(camera: string, start: number, end: number, speed?: PlaybackSpeed): Promise<SessionSnapshot> {
    return (await this.admission.adopt(camera, start, end, speed)).snapshot();
  }

  localSession(sessionId: string): SessionSnapshot | undefined {
    const session = this.table.get(sessionId)?.session;
    return session?.alive ? session.snapshot() : undefined;
  }

  isAdmitting(sessionId: string): boolean {
    return this.admission.isAdmitting(sessionId);
  }

  /**
   * Sessions with a run encoding now (paused ones do not count), and those being admitted:
   * what this node's encoder slots hold.
   */
  encodingSessionIds(): string[] {
    return [...new Set([...this.limits.holderIds(), ...this.admission.admittingIds()])];
  }

  list(): SessionSnapshot[] {
    return this.table.sessions().map((session) => session.snapshot());
  }

  async remove(sessionId: string): Promise<void> {
    const session = this.table.get(sessionId)?.session;
    if (!session) throw new SessionNotFoundException();
    await this.table.stop(session, 'deleted');
  }
}
