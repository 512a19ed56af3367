import { HttpException, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { FileHandle, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FfmpegProcessSupervisor, buildMp4ExportArgs } from '@app/ffmpeg';
import { PLAYLIST_FILE_NAME } from '../dto/stream-file.params';
import { SessionFilesStore } from '../session-files.store';
import { SESSION_ROUTING, SessionRouting, StreamFile } from '../session-routing';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { DEFAULT_EXPORT_LIMITS, decideExportAdmission, exportKey } from './export-admission';
import { exportPlanFromPlaylist } from './export-playlist';
import { ExportProgress, ExportState } from './export-progress.response';
import { ExportFailedException, TooManyExportsException } from './export.exceptions';

/** What is exported: a requester's range of a camera. */
export interface ExportRequest {
  requester: string;
  camera: string;
  start: number;
  end: number;
}

/** The finished MP4 in the export's scratch folder. */
export interface ExportFile {
  path: string;
  /** Bytes. */
  size: number;
}

/** One response's hold on an export: the folder stays until every holder has released it. */
export interface ExportLease {
  /** The MP4, once written; rejects with the error the client should see. */
  readonly file: Promise<ExportFile>;
  /** Called when the response ends (sent or abandoned); once is enough, more are ignored. */
  release(): void;
}

/** Finished exports whose outcome the progress route still reports. */
const REMEMBERED_OUTCOMES = 256;
/** How long ffmpeg gets to stop after its export was abandoned. */
const MUX_STOP_GRACE_MS = 1000;

/** One export in flight (shared by the responses of the same requester and range). */
class ExportJob {
  /** Its scratch folder's name: shaped like a session id, so start-up cleanup removes a crash's leftovers. */
  readonly id = randomBytes(16).toString('hex');
  /** Aborted once no response waits for it any more: segment waits are withdrawn, ffmpeg is stopped. */
  readonly abandoned = new AbortController();
  state: ExportState = 'collecting';
  segmentsDone = 0;
  segmentsTotal = 0;
  holders = 0;
  file!: Promise<ExportFile>;

  constructor(
    readonly key: string,
    readonly request: ExportRequest,
  ) {}

  progress(): ExportProgress {
    return { state: this.state, segmentsDone: this.segmentsDone, segmentsTotal: this.segmentsTotal };
  }
}

/**
 * MP4 exports of a range. The range's 1× session makes the segments (those already made are
 * reused, the missing ones are made as for a viewer), through the session routing so that a
 * session on another node works too; their bytes are appended into one MPEG-TS file (they are
 * consecutive parts of one timestamp line) and remuxed once into a progressive MP4.
 */
@Injectable()
export class Mp4ExportService implements OnApplicationShutdown {
  private readonly logger = new Logger(Mp4ExportService.name);
  private readonly inFlight = new Map<string, ExportJob>();
  /** The last outcome (done or failed) of exports no longer in flight, oldest first. */
  private readonly outcomes = new Map<string, ExportProgress>();

  constructor(
    @Inject(SESSION_ROUTING) private readonly routing: SessionRouting,
    private readonly files: SessionFilesStore,
    private readonly supervisor: FfmpegProcessSupervisor,
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
  ) {}

  /**
   * Starts the export of a range, or joins the one the same requester has in flight; 429 when
   * the requester or the node has as many as it may. Synchronous from the decision to the
   * insert, so requests at once cannot both pass the limits.
   */
  acquire(request: ExportRequest): ExportLease {
    const key = exportKey(request.requester, request.camera, request.start, request.end);
    const inFlight = [...this.inFlight.values()].map((job) => ({ key: job.key, requester: job.request.requester }));
    const admission = decideExportAdmission(inFlight, { key, requester: request.requester });
    if (admission.kind === 'refuse') {
      throw new TooManyExportsException(
        admission.reason,
        admission.reason === 'requester-limit' ? DEFAULT_EXPORT_LIMITS.perRequester : DEFAULT_EXPORT_LIMITS.total,
      );
    }
    let job = this.inFlight.get(key);
    if (!job) {
      job = new ExportJob(key, request);
      this.inFlight.set(key, job);
      this.outcomes.delete(key);
      job.file = this.run(job);
      // Its outcome is read by each holder; this only keeps an unheld failure from being unhandled.
      job.file.catch(() => undefined);
    }
    job.holders += 1;
    let released = false;
    const held = job;
    return {
      file: job.file,
      release: () => {
        if (released) return;
        released = true;
        this.release(held);
      },
    };
  }

  /** The requester's export of the range: in flight, or how the last one ended; idle when neither. */
  progress(requester: string, camera: string, start: number, end: number): ExportProgress {
    const key = exportKey(requester, camera, start, end);
    return this.inFlight.get(key)?.progress() ?? this.outcomes.get(key) ?? { state: 'idle', segmentsDone: 0, segmentsTotal: 0 };
  }

  async onApplicationShutdown(): Promise<void> {
    const jobs = [...this.inFlight.values()];
    for (const job of jobs) job.abandoned.abort();
    await Promise.all(jobs.map((job) => job.file.catch(() => undefined).then(() => this.files.removeSessionDir(job.id))));
  }

  private release(job: ExportJob): void {
    job.holders -= 1;
    if (job.holders > 0) return;
    this.inFlight.delete(job.key);
    // Nobody waits for it any more: stop waiting for segments and stop ffmpeg; the session stays.
    job.abandoned.abort();
    void job.file
      .then(
        () => this.remember(job),
        () => job.state === 'failed' && this.remember(job),
      )
      .finally(() => this.files.removeSessionDir(job.id))
      .catch((error: Error) => this.logger.warn({ msg: `could not remove export folder ${job.id}: ${error.message}`, exportId: job.id }));
  }

  private remember(job: ExportJob): void {
    this.outcomes.delete(job.key);
    this.outcomes.set(job.key, job.progress());
    if (this.outcomes.size > REMEMBERED_OUTCOMES) this.outcomes.delete(this.outcomes.keys().next().value!);
  }

  private async run(job: ExportJob): Promise<ExportFile> {
    const { camera, start, end, requester } = job.request;
    const signal = job.abandoned.signal;
    try {
      // The session's own limits (its creator's cap, the encoder slots, the rate limit) apply here.
      const session = await this.routing.open(camera, start, end, requester, { waitForFirstSegment: false });
      const playlist = await this.routing.streamFile(session.sessionId, PLAYLIST_FILE_NAME, undefined, signal);
      if (playlist.kind !== 'playlist') throw new Error('the session answered its playlist with a segment');
      const plan = exportPlanFromPlaylist(playlist.text);
      job.segmentsTotal = plan.segments.length;

      signal.throwIfAborted();
      const dir = await this.files.createSessionDir(job.id);
      const segmentsPath = join(dir, 'segments.ts');
      const output = await open(segmentsPath, 'w', 0o600);
      try {
        for (const segment of plan.segments) {
          // Waits until the engine made it: a segment already made is read as it is.
          await appendSegment(output, await this.routing.streamFile(session.sessionId, segment.fileName, undefined, signal), signal);
          job.segmentsDone += 1;
        }
      } finally {
        await output.close();
      }

      job.state = 'muxing';
      // Known by now (its segments were made); a session that does not say is remuxed with its audio if any.
      const audio = (await this.routing.describe(session.sessionId))?.variant?.audio ?? true;
      const path = join(dir, 'export.mp4');
      await this.mux(job, buildMp4ExportArgs({ inputPath: segmentsPath, outputPath: path, creationTime: plan.firstFrameTime, audio }), session.sessionId);
      // Only the MP4 is needed from here: the copy of the segments goes before the download starts.
      await rm(segmentsPath, { force: true });
      const { size } = await stat(path);
      job.state = 'done';
      return { path, size };
    } catch (error) {
      // An abandoned export did not fail: nobody is told, nothing is remembered.
      if (signal.aborted) throw error;
      job.state = 'failed';
      // A client's error (no recordings, a limit) is its answer; the log is for what went wrong here.
      if (!(error instanceof HttpException) || error.getStatus() >= 500) {
        this.logger.warn({ msg: `export of ${camera} ${start}-${end} failed: ${(error as Error).message}`, exportId: job.id, camera });
      }
      throw error;
    }
  }

  private async mux(job: ExportJob, args: string[], sessionId: string): Promise<void> {
    const signal = job.abandoned.signal;
    signal.throwIfAborted();
    const process = this.supervisor.spawn(this.options.ffmpegPath, args, {
      outputFds: [],
      label: 'ffmpeg (mp4 export)',
      logFields: { exportId: job.id, sessionId },
    });
    const stop = () => void process.stop(MUX_STOP_GRACE_MS);
    signal.addEventListener('abort', stop, { once: true });
    try {
      // A restart after a crash stops an ffmpeg still writing here, as it does a session's.
      if (process.pid !== undefined) await this.files.writePid(job.id, process.pid);
      const exit = await process.exited;
      signal.throwIfAborted();
      if (exit.spawnError) throw new ExportFailedException(`ffmpeg could not be started (${exit.spawnError})`);
      if (exit.code !== 0) throw new ExportFailedException(`ffmpeg exited with ${exit.signal ?? `code ${exit.code}`}`, exit.stderrTail);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }
}

/** Appends one segment (read whole, or streamed) to the export's MPEG-TS file. */
async function appendSegment(output: FileHandle, file: StreamFile, signal: AbortSignal): Promise<void> {
  if (file.kind === 'playlist') throw new Error('the session answered a segment with a playlist');
  if (file.kind === 'segment-bytes') return writeAll(output, file.bytes);
  try {
    for await (const chunk of file.stream) {
      signal.throwIfAborted();
      await writeAll(output, chunk as Buffer);
    }
  } finally {
    file.stream.destroy();
  }
}

async function writeAll(output: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await output.write(bytes, offset);
    offset += bytesWritten;
  }
}
