import { Injectable, Logger } from '@nestjs/common';
import type { SessionOutputFormat } from '../plan/output-format';
import type { SessionDriver } from '../scheduler/session-driver';
import { SessionDriverFactory } from '../scheduler/session-driver.factory';
import { SessionFilesStore } from '../storage/session-files.store';
import { TranscoderUnavailableException } from '../transcode.exceptions';
import type { TrackPlan } from './track-plan';

/** A live track: its plan, the driver of its runs, the sessions that hold it, and its folder. */
export interface TrackEntry {
  readonly plan: TrackPlan;
  readonly driver: SessionDriver;
  /** Settles once its folder is made (rejects with the HTTP error when it cannot be). */
  readonly folderMade: Promise<void>;
  /** Ids of the sessions that play it. */
  readonly holders: Set<string>;
}

/**
 * The tracks of this node, by id (design: docs/design/tracks.md): the one way in (hold: its
 * driver and its folder, made once for every session that plays it) and out (release by its last
 * session: its runs end, its folder goes). A track's driver runs the same scheduler a session's
 * did, over the track's grid; its viewers are every holding session's.
 */
@Injectable()
export class TrackTable {
  private readonly logger = new Logger(TrackTable.name);
  private readonly entries = new Map<string, TrackEntry>();
  /** Tracks being stopped: a track of the same id held again waits for its folder to be gone. */
  private readonly stopping = new Map<string, Promise<void>>();

  constructor(
    private readonly files: SessionFilesStore,
    private readonly drivers: SessionDriverFactory,
  ) {}

  get(id: string): TrackEntry | undefined {
    return this.entries.get(id);
  }

  tracks(): TrackEntry[] {
    return [...this.entries.values()];
  }

  /**
   * The track of `plan`, held for session `holderId`: the live one of that id, or a new one
   * (its driver made, its folder on its way). Synchronous: two sessions asking at once share it.
   */
  hold(plan: TrackPlan, holderId: string, onSegmentStored: () => void): TrackEntry {
    const live = this.entries.get(plan.id);
    if (live) {
      live.holders.add(holderId);
      return live;
    }
    const output: SessionOutputFormat = plan.output;
    const driver = this.drivers.create({ ...plan, speed: plan.rendition.speed, outputFormat: () => output }, onSegmentStored);
    const previous = this.stopping.get(plan.id) ?? Promise.resolve();
    const entry: TrackEntry = { plan, driver, holders: new Set([holderId]), folderMade: previous.then(() => this.makeFolder(plan)) };
    // (Its failure is the sessions': they await it before their first segment.)
    entry.folderMade.catch(() => undefined);
    this.entries.set(plan.id, entry);
    return entry;
  }

  /** Session `holderId` plays the track no more; the last one stops its runs and removes its folder. */
  release(id: string, holderId: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry || !entry.holders.delete(holderId) || entry.holders.size > 0) return Promise.resolve();
    this.entries.delete(id);
    const stopped = (async () => {
      await entry.driver.close();
      await entry.folderMade.catch(() => undefined);
      await this.files.removeSessionDir(id).catch((error: Error) => this.logger.warn(`track ${id.slice(0, 8)}: could not remove its folder: ${error.message}`));
    })().finally(() => {
      if (this.stopping.get(id) === stopped) this.stopping.delete(id);
    });
    this.stopping.set(id, stopped);
    return stopped;
  }

  private async makeFolder(plan: TrackPlan): Promise<void> {
    await this.files.createSessionDir(plan.id).catch((error: Error) => {
      this.logger.error(`track ${plan.id.slice(0, 8)} of ${plan.camera}: TRANSCODE_DIR: ${error.message}`);
      throw new TranscoderUnavailableException('TRANSCODE_DIR is not writable');
    });
  }
}
