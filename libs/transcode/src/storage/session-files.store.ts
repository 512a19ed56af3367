import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import * as fs from 'node:fs';
import { ReadStream, createReadStream, existsSync, statSync } from 'node:fs';
import { access, mkdir, readFile, readdir, rename, rm, rmdir, statfs, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InvalidSettingError } from '@app/common';
import type { InputList } from '@app/ffmpeg';
import { SESSION_ID_REGEX } from '../model/session-id';
import { inputListFileName } from './run-files';
import { OutOfFileDescriptorsException, isOutOfFileDescriptors } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';

const PID_FILE = 'ffmpeg.pid';
/**
 * In every session folder this service makes: only folders that carry it are ever emptied or
 * removed (at start-up, when a session stops or fails, after an export), so a TRANSCODE_DIR set
 * by mistake to a shared folder loses nothing of anyone else's.
 */
export const SESSION_MARKER_FILE = '.nvr-transcoder-session';
/** A session folder being made: `.creating-<session id>-<random>`, renamed to the id once marked. */
const STAGING_PREFIX = '.creating-';
const STAGING_NAME_REGEX = /^\.creating-[0-9a-f]{32}-[0-9a-f]{8}$/;
/** Owner only: segments of someone's cameras are nobody else's to read on this host. */
const DIR_MODE = 0o700;
/** Segments up to this size are read in one piece (readWhole); larger ones (4K, long segments) are streamed. */
export const WHOLE_READ_MAX_BYTES = 16 * 1024 * 1024;
/** Segment files kept open at most (descriptors are cheap; the default limit is 1,024 or more). */
const OPEN_FILES_KEPT = 256;

/** A file kept open, with the reads in flight on it. */
interface OpenFile {
  fd: number;
  readers: number;
  /** Taken out of the cache: closed when its last read is done. */
  retired: boolean;
}

/** Segments are read in 256 KiB chunks: four reads for a typical segment instead of fourteen. */
const READ_CHUNK_BYTES = 256 * 1024;
/** Below this much free space the health check reports the transcode dir as down. */
export const MIN_FREE_BYTES = 256 * 1024 * 1024;

/**
 * The session folders under TRANSCODE_DIR: the only place the service writes. Every path is
 * built from a validated session id and a validated file name, so nothing outside is touched.
 */
/** A folder with a session's name that this service did not make: it is left alone. */
export class ForeignSessionDirError extends Error {
  constructor(readonly dir: string) {
    super(`${dir} exists and was not made by this service`);
  }
}

@Injectable()
export class SessionFilesStore {
  private readonly logger = new Logger(SessionFilesStore.name);
  /** Finished segment files kept open for reading, least recently used first. */
  private readonly openFiles = new Map<string, OpenFile>();
  /** Files being opened for the cache: one removed meanwhile is not cached. */
  private readonly opening = new Map<string, { retired: boolean }>();

  constructor(@Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions) {}

  get rootDir(): string {
    return this.options.transcodeDir;
  }

  sessionDir(sessionId: string): string {
    assertSessionId(sessionId);
    return join(this.options.transcodeDir, sessionId);
  }

  /** Creates the root and checks that it is writable; a failure names the setting. */
  async prepareRoot(): Promise<void> {
    try {
      await mkdir(this.rootDir, { recursive: true, mode: DIR_MODE });
      await this.probeWrite();
    } catch (error) {
      throw new InvalidSettingError(`Invalid setting TRANSCODE_DIR=${JSON.stringify(this.rootDir)}: not writable (${(error as Error).message})`);
    }
  }

  async createSessionDir(sessionId: string): Promise<string> {
    const dir = this.sessionDir(sessionId);
    if (existsSync(dir)) {
      // A folder of that name that this service did not make is never removed (nor written into).
      if (!isOwnSessionDir(dir)) throw new ForeignSessionDirError(dir);
      await rm(dir, { recursive: true, force: true });
    }
    // Made under a staging name, marked, then renamed into place: a folder with the session's
    // name always carries the marker, even when writing it fails or the process dies half-way
    // (an unmarked one would be refused as someone else's, and block its range for good).
    const staging = join(this.rootDir, `${STAGING_PREFIX}${sessionId}-${randomBytes(4).toString('hex')}`);
    await mkdir(staging, { mode: DIR_MODE });
    try {
      await writeFile(join(staging, SESSION_MARKER_FILE), '', { mode: 0o600 });
      // Fails if someone made a folder of that name with something in it meanwhile.
      await rename(staging, dir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (existsSync(dir) && !isOwnSessionDir(dir)) throw new ForeignSessionDirError(dir);
      throw error;
    }
    return dir;
  }

  async writeInputList(sessionId: string, runId: number, list: InputList): Promise<string> {
    const path = join(this.sessionDir(sessionId), inputListFileName(runId, list.format));
    await writeFile(path, list.text, { mode: 0o600 });
    return path;
  }

  /**
   * Size of a file ffmpeg has just finished (0 when it is gone). Synchronous on purpose: it runs
   * between ffmpeg announcing a segment and the segment being served, and keeps them in order.
   */
  fileSize(sessionId: string, fileName: string): number {
    try {
      return statSync(join(this.sessionDir(sessionId), basename(fileName))).size;
    } catch {
      return 0;
    }
  }

  /** Free bytes on the transcode dir's filesystem. */
  async freeBytes(): Promise<number> {
    const stats = await statfs(this.rootDir);
    return Number(stats.bavail) * Number(stats.bsize);
  }

  /** Removes one file of a session; `fileName` comes from ffmpeg's own segment list. */
  async removeFile(sessionId: string, fileName: string): Promise<void> {
    this.retire(`${sessionId}/${basename(fileName)}`);
    await rm(join(this.sessionDir(sessionId), basename(fileName)), { force: true });
  }

  /** Removes the session files whose names match. */
  async removeFilesWhere(sessionId: string, matches: (fileName: string) => boolean): Promise<void> {
    const dir = this.sessionDir(sessionId);
    const names = await readdir(dir).catch(() => [] as string[]);
    this.retireWhere(sessionId, matches);
    await Promise.all(names.filter(matches).map((name) => rm(join(dir, name), { force: true })));
  }

  /** Remembered so that a restart after a crash can stop an orphaned ffmpeg. */
  async writePid(sessionId: string, pid: number): Promise<void> {
    await writeFile(join(this.sessionDir(sessionId), PID_FILE), String(pid));
  }

  /**
   * The bytes of a finished file of `size` bytes in one read; null when it is gone (503 when
   * no descriptor is left to open it with). The file
   * stays open for the next request (as nginx's open_file_cache does): on this kind of machine
   * an open and a close cost more than the read, and segments never change once finished.
   */
  readWhole(sessionId: string, fileName: string, size: number): Promise<Buffer | null> {
    const key = `${sessionId}/${basename(fileName)}`;
    const cached = this.openFiles.get(key);
    if (cached) {
      // Most recently used last.
      this.openFiles.delete(key);
      this.openFiles.set(key, cached);
      return this.readFrom(cached, size);
    }
    const opening = { retired: false };
    this.opening.set(key, opening);
    return new Promise((resolve, reject) => {
      fs.open(join(this.sessionDir(sessionId), basename(fileName)), 'r', (error, fd) => {
        if (this.opening.get(key) === opening) this.opening.delete(key);
        if (error) return isOutOfFileDescriptors(error) ? reject(new OutOfFileDescriptorsException()) : resolve(null);
        if (opening.retired) {
          // Removed while it was being opened: read this once, keep nothing.
          const entry: OpenFile = { fd, readers: 0, retired: true };
          return resolve(this.readFrom(entry, size));
        }
        const raced = this.openFiles.get(key);
        if (raced) {
          fs.close(fd, () => undefined);
          return resolve(this.readFrom(raced, size));
        }
        const entry: OpenFile = { fd, readers: 0, retired: false };
        this.openFiles.set(key, entry);
        if (this.openFiles.size > OPEN_FILES_KEPT) this.retire(this.openFiles.keys().next().value!);
        resolve(this.readFrom(entry, size));
      });
    });
  }

  private readFrom(entry: OpenFile, size: number): Promise<Buffer | null> {
    entry.readers += 1;
    const bytes = Buffer.allocUnsafe(size);
    return new Promise((resolve) => {
      fs.read(entry.fd, bytes, 0, size, 0, (error, read) => {
        entry.readers -= 1;
        // Closed only once no read uses it: a descriptor number is reused at once by the next open.
        if (entry.retired && entry.readers === 0) fs.close(entry.fd, () => undefined);
        resolve(error || read !== size ? null : bytes);
      });
    });
  }

  /** Forgets an open file (its segment is replaced, deleted or evicted); closed once its reads are done. */
  private retire(key: string): void {
    const opening = this.opening.get(key);
    if (opening) opening.retired = true;
    const entry = this.openFiles.get(key);
    if (!entry) return;
    this.openFiles.delete(key);
    entry.retired = true;
    if (entry.readers === 0) fs.close(entry.fd, () => undefined);
  }

  private retireWhere(sessionId: string, matches: (fileName: string) => boolean = () => true): void {
    const prefix = `${sessionId}/`;
    for (const key of [...this.openFiles.keys(), ...this.opening.keys()]) {
      if (key.startsWith(prefix) && matches(key.slice(prefix.length))) this.retire(key);
    }
  }

  /**
   * A read stream of a finished file of a session, once the file is open (so a file unlinked
   * meanwhile is a null here, not an error halfway through a response); null when it is gone.
   * fs.createReadStream, not a FileHandle's: its callback reads cost the main thread a third of
   * what promise reads do, which is most of a segment request.
   */
  openReadStream(sessionId: string, fileName: string): Promise<ReadStream | null> {
    const stream = createReadStream(join(this.sessionDir(sessionId), basename(fileName)), { highWaterMark: READ_CHUNK_BYTES });
    return new Promise((resolve, reject) => {
      const opened = () => {
        stream.off('error', failed);
        resolve(stream);
      };
      const failed = (error: Error) => {
        stream.off('open', opened);
        if (isOutOfFileDescriptors(error)) reject(new OutOfFileDescriptorsException());
        else resolve(null);
      };
      stream.once('open', opened);
      stream.once('error', failed);
    });
  }

  /**
   * Removes a session's folder (a session that stopped or failed, an export's scratch folder),
   * only if this service made it: a failed create of a session whose name was already taken by
   * someone else's folder must not take that folder with it.
   */
  async removeSessionDir(sessionId: string): Promise<void> {
    this.retireWhere(sessionId);
    const dir = this.sessionDir(sessionId);
    if (!existsSync(dir)) return;
    if (!isOwnSessionDir(dir)) {
      this.logger.warn(`left ${dir} in place: it was not made by this service (it has no ${SESSION_MARKER_FILE})`);
      return;
    }
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * Deletes the session folders an earlier run left behind, after stopping any ffmpeg that
   * still writes into one. Only folders named like a session id that carry this service's
   * marker are touched.
   */
  async removeLeftovers(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.rootDir)) {
      if (STAGING_NAME_REGEX.test(name)) {
        // A create that died half-way: marked (ours), or still empty.
        const staging = join(this.rootDir, name);
        await (isOwnSessionDir(staging) ? rm(staging, { recursive: true, force: true }) : rmdir(staging).catch(() => undefined));
        continue;
      }
      if (!SESSION_ID_REGEX.test(name)) continue;
      const dir = join(this.rootDir, name);
      if (!isOwnSessionDir(dir)) continue;
      await this.killOrphan(dir);
      await rm(dir, { recursive: true, force: true });
      removed += 1;
    }
    if (removed > 0) this.logger.log(`removed ${removed} leftover session folder(s) from an earlier run`);
    return removed;
  }

  /** Throws with a readable reason when the root is not writable or nearly full. */
  async checkStorage(): Promise<{ freeBytes: number }> {
    await access(this.rootDir, constants.W_OK);
    await this.probeWrite();
    const freeBytes = await this.freeBytes();
    if (freeBytes < MIN_FREE_BYTES) {
      throw new Error(`only ${Math.round(freeBytes / 1048576)} MiB free in ${this.rootDir}`);
    }
    return { freeBytes };
  }

  private async probeWrite(): Promise<void> {
    const probe = join(this.rootDir, `.write-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  }

  private async killOrphan(dir: string): Promise<void> {
    const pid = Number.parseInt(await readFile(join(dir, PID_FILE), 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(pid) || pid <= 1) return;
    // Only a process whose command line names this folder is ours; a recycled pid is left alone.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(dir)) return;
    try {
      process.kill(-pid, 'SIGKILL');
      this.logger.warn(`stopped orphaned ffmpeg (pid ${pid}) left by an earlier run`);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Whether this service made the folder (it carries the marker): the one test before anything
 * under TRANSCODE_DIR is emptied or removed.
 */
function isOwnSessionDir(dir: string): boolean {
  return existsSync(join(dir, SESSION_MARKER_FILE));
}

function assertSessionId(sessionId: string): void {
  if (!SESSION_ID_REGEX.test(sessionId)) throw new Error(`not a session id: ${sessionId}`);
}
