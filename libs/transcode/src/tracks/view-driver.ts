import type { EncoderActivity } from '../model/session-views';
import type { SessionDriver } from '../scheduler/session-driver';
import type { SessionProduction } from '../sessions/transcode-session';
import { SessionNotFoundException } from '../transcode.exceptions';
import type { TrackEntry } from './track-table';
import type { ViewSource } from './view-plan';

/** What a segment request needs of a driver: the segment, and the folder its file is in. */
export interface SegmentDriver extends SessionProduction {
  segment(index: number, signal?: AbortSignal): string | Promise<string>;
  forgetSegments(indices: readonly number[]): string[];
  close(cause?: Error): Promise<void>;
}

/**
 * A session as a view of a track (design: docs/design/tracks.md): each of its segments is the
 * track's (asked of the track's driver, where every session's viewers steer the runs) or one of
 * its own pieces (asked of its own driver). Closing it withdraws its waiting requests from the
 * track and lets the track go; the track's runs and files are the track table's.
 */
export class ViewDriver implements SegmentDriver {
  /** Its requests waiting on the track: withdrawn (and failed) when the session closes. */
  private readonly waiting = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly sessionId: string,
    private readonly sources: readonly ViewSource[],
    private readonly track: TrackEntry,
    private readonly own: SessionDriver,
    private readonly releaseTrack: () => Promise<void>,
  ) {}

  segment(index: number, signal?: AbortSignal): string | Promise<string> {
    if (this.closed) throw new SessionNotFoundException();
    const source = this.sources[index];
    if (source.from === 'own') return this.own.segment(source.index, signal);
    const ready = this.track.driver.readyFile(source.index);
    if (ready) return this.track.driver.segment(source.index, signal);
    return this.fromTrack(source.index, signal);
  }

  readyFile(index: number): string | undefined {
    const source = this.sources[index];
    return source.from === 'own' ? this.own.readyFile(source.index) : this.track.driver.readyFile(source.index);
  }

  readySize(index: number): number {
    const source = this.sources[index];
    return source.from === 'own' ? this.own.readySize(source.index) : this.track.driver.readySize(source.index);
  }

  dirOf(index: number): string {
    return this.sources[index]?.from === 'track' ? this.track.plan.id : this.sessionId;
  }

  get readyCount(): number {
    let count = 0;
    for (let index = 0; index < this.sources.length; index += 1) if (this.readyFile(index)) count += 1;
    return count;
  }

  /** Its own pieces only: the track's segments are counted once, as the track's. */
  get storedBytes(): number {
    return this.own.storedBytes;
  }

  storedSegments(): { index: number; bytes: number }[] {
    return this.own.storedSegments().map(({ index, bytes }) => ({ index: this.sources.findIndex((s) => s.from === 'own' && s.index === index), bytes }));
  }

  forgetSegments(indices: readonly number[]): string[] {
    const own = indices.map((index) => this.sources[index]).filter((source) => source?.from === 'own');
    return this.own.forgetSegments(own.map((source) => source.index));
  }

  encodingCount(): number {
    return this.own.encodingCount() + this.track.driver.encodingCount();
  }

  activity(): EncoderActivity {
    const activities = [this.own.activity(), this.track.driver.activity()];
    if (activities.includes('encoding')) return 'encoding';
    return activities.includes('paused') ? 'paused' : 'stopped';
  }

  activePid(): number | null {
    return this.own.activePid() ?? this.track.driver.activePid();
  }

  get videoEncoder(): string | null {
    return this.track.driver.videoEncoder ?? this.own.videoEncoder;
  }

  get hasWaiters(): boolean {
    return this.waiting.size > 0 || this.own.hasWaiters;
  }

  async close(cause?: Error): Promise<void> {
    this.closed = true;
    for (const controller of this.waiting) controller.abort(cause ?? new SessionNotFoundException());
    await this.own.close(cause);
    await this.releaseTrack();
  }

  /** A track segment not made yet: asked once the track's folder is there, withdrawn if the session closes first. */
  private async fromTrack(index: number, signal?: AbortSignal): Promise<string> {
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    this.waiting.add(controller);
    try {
      await this.track.folderMade;
      if (controller.signal.aborted) throw controller.signal.reason;
      return await this.track.driver.segment(index, controller.signal);
    } catch (error) {
      // Withdrawn because the session closed: it is gone, whatever the track says.
      if (this.closed) throw controller.signal.reason instanceof Error ? controller.signal.reason : new SessionNotFoundException();
      throw error;
    } finally {
      this.waiting.delete(controller);
      signal?.removeEventListener('abort', forward);
    }
  }
}
