import { Injectable, Logger } from '@nestjs/common';
import { SessionFilesStore } from '../storage/session-files.store';
import { sessionLog } from '../model/session-log';
import { SessionRemovalReason, TranscodeEvents } from '../transcode-events';
import type { SessionDriver } from '../scheduler/session-driver';
import type { TranscodeSession } from './transcode-session';

/** A session and the driver of its runs. */
export interface SessionEntry {
  session: TranscodeSession;
  driver: SessionDriver;
}

/**
 * The live sessions of this node, by id: lookup, insertion, and the one way out (stop: its runs
 * end, waiting requests fail, its folder goes). A session with the id of one being stopped
 * waits for that one's folder to be gone (`stopped(id)`).
 */
@Injectable()
export class SessionTable {
  private readonly logger = new Logger(SessionTable.name);
  private readonly entries = new Map<string, SessionEntry>();
  private readonly stopping = new Map<string, Promise<void>>();

  constructor(
    private readonly files: SessionFilesStore,
    private readonly events: TranscodeEvents,
  ) {}

  get(id: string): SessionEntry | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  add(entry: SessionEntry): void {
    this.entries.set(entry.session.id, entry);
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
    if (session.state === 'stopped') return this.stopping.get(session.id) ?? Promise.resolve();
    session.state = 'stopped';
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
}
