import { HttpException, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { SupervisedProcess, buildMp4ExportArgs } from '@app/ffmpeg';
import { DiskBudgetService, DiskReservation } from '../storage/disk-budget.service';
import { PLAYLIST_FILE_NAME } from '../hls/hls-names';
import { SessionFilesStore } from '../storage/session-files.store';
import type { StreamFile } from '../model/session-views';
import { SESSION_ROUTING, SessionRouting } from '../routing/session-routing';
import { InvalidRangeException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { DEFAULT_EXPORT_LIMITS, DEFAULT_EXPORT_MAX_SECONDS, decideExportAdmission, exportKey } from './export-admission';
import { ExportPlan, exportPlanFromPlaylist } from './export-playlist';
import { ExportProgress, ExportState } from './export-progress.response';
import { SIZE_SAMPLE_SECONDS, estimateExportBytes, mp4IndexAllowance } from './export-size';
import { ExportFailedException, TooManyExportsException } from './export.exceptions';
import { ExportMuxer, MUX_STOP_GRACE_MS } from './export-muxer';

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
  /** Room held for its MP4 in the disk budget, from before its first byte until its folder goes. */
  reservation: DiskReservation | null = null;
  /** Aborted when the process limit takes its mux's slot for a user under their share. */
  readonly preempted = new AbortController();

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
 * session on another node works too; their bytes are written in order into one ffmpeg's stdin
 * (they are consecutive parts of one timestamp line, so one MPEG-TS stream), which writes the
 * progressive MP4: the range is on disk once, as the MP4. Before anything is written, the
 * export reserves the room it will take in the disk budget (507 without), and its ffmpeg takes
 * a process slot as a run does (503 without).
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
    private readonly disk: DiskBudgetService,
    private readonly muxer: ExportMuxer,
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
  ) {}

  /**
   * Starts the export of a range, or joins the one the same requester has in flight; 429 when
   * the requester or the node has as many as it may. Synchronous from the decision to the
   * insert, so requests at once cannot both pass the limits.
   */
  acquire(request: ExportRequest): ExportLease {
    const maxSeconds = this.options.exportMaxSeconds ?? DEFAULT_EXPORT_MAX_SECONDS;
    if (request.end - request.start > maxSeconds) {
      throw new InvalidRangeException(
        `range of ${Math.round(request.end - request.start)} s is longer than EXPORT_MAX_SECONDS (${maxSeconds} s): export it in parts`,
      );
    }
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
    await Promise.all(
      jobs.map((job) =>
        job.file
          .catch(() => undefined)
          .then(() => this.files.removeSessionDir(job.id))
          .finally(() => job.reservation?.release()),
      ),
    );
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
      .catch((error: Error) => this.logger.warn({ msg: `could not remove export folder ${job.id}: ${error.message}`, exportId: job.id }))
      // Its room is counted until its folder is gone.
      .finally(() => job.reservation?.release());
  }

  private remember(job: ExportJob): void {
    this.outcomes.delete(job.key);
    this.outcomes.set(job.key, job.progress());
    if (this.outcomes.size > REMEMBERED_OUTCOMES) this.outcomes.delete(this.outcomes.keys().next().value!);
  }

  private async run(job: ExportJob): Promise<ExportFile> {
    const { camera, start, end, requester } = job.request;
    // Segment waits end when the client goes, or when the mux's slot is taken.
    const signal = AbortSignal.any([job.abandoned.signal, job.preempted.signal]);
    try {
      // The session's own limits (its creator's cap, the encoder slots, the rate limit) apply here.
      const session = await this.routing.open(camera, start, end, requester, { waitForFirstSegment: false });
      const playlist = await this.routing.streamFile(session.sessionId, PLAYLIST_FILE_NAME, undefined, signal);
      if (playlist.kind !== 'playlist') throw new Error('the session answered its playlist with a segment');
      const plan = exportPlanFromPlaylist(playlist.text);
      job.segmentsTotal = plan.segments.length;

      // What the range will weigh, from its first seconds read into memory: nothing is written before the room is held.
      const sample = await this.readSample(session.sessionId, plan, signal);
      const sampleSeconds = plan.segments.slice(0, sample.length).reduce((sum, segment) => sum + segment.durationSeconds, 0);
      const sampleBytes = sample.reduce((sum, bytes) => sum + bytes.length, 0);
      job.reservation = await this.disk.reserve(estimateExportBytes(plan.durationSeconds, sampleBytes, sampleSeconds), 'this export');

      // Known by now (its first segments were made); a session that does not say is muxed with its audio if any.
      const audio = (await this.routing.describe(session.sessionId))?.variant?.audio ?? true;
      const path = join(this.files.sessionDir(job.id), 'export.mp4');
      const args = buildMp4ExportArgs({ outputPath: path, creationTime: plan.firstFrameTime, audio });
      const mux = await this.muxer.start({ id: job.id, requester, sessionId: session.sessionId, args, preempted: () => job.preempted.abort() }, signal);
      const stop = () => void mux.stop(MUX_STOP_GRACE_MS);
      signal.addEventListener('abort', stop, { once: true });
      try {
        await this.feed(job, mux, session.sessionId, plan, sample, signal);
        job.state = 'muxing';
      } catch (error) {
        // A write that failed because ffmpeg is gone: its exit says why. Anything else (a
        // segment that failed, the client gone) stops it.
        if (!(error instanceof MuxInputClosedError)) {
          await mux.stop(MUX_STOP_GRACE_MS);
          throw error;
        }
      } finally {
        signal.removeEventListener('abort', stop);
      }
      const exit = await mux.exited;
      signal.throwIfAborted();
      if (exit.spawnError) throw new ExportFailedException(`ffmpeg could not be started (${exit.spawnError})`);
      if (exit.code !== 0) throw new ExportFailedException(`ffmpeg exited with ${exit.signal ?? `code ${exit.code}`}`, exit.stderrTail);
      const { size } = await stat(path);
      job.state = 'done';
      return { path, size };
    } catch (error) {
      // An abandoned export did not fail: nobody is told, nothing is remembered.
      if (job.abandoned.signal.aborted) throw error;
      job.state = 'failed';
      const failure = job.preempted.signal.aborted ? this.muxer.noSlot() : error;
      // A client's error (no recordings, a limit) is its answer; the log is for what went wrong here.
      if (!(failure instanceof HttpException) || failure.getStatus() >= 500) {
        this.logger.warn({ msg: `export of ${camera} ${start}-${end} failed: ${(failure as Error).message}`, exportId: job.id, camera });
      }
      throw failure;
    }
  }

  /** The first segments of the plan, up to SIZE_SAMPLE_SECONDS, read whole into memory. */
  private async readSample(sessionId: string, plan: ExportPlan, signal: AbortSignal): Promise<Buffer[]> {
    const sample: Buffer[] = [];
    let seconds = 0;
    while (sample.length < plan.segments.length && seconds < SIZE_SAMPLE_SECONDS) {
      const segment = plan.segments[sample.length];
      // Waits until the engine made it: a segment already made is read as it is.
      const chunks: Buffer[] = [];
      await forEachChunk(await this.routing.streamFile(sessionId, segment.fileName, undefined, signal), signal, async (chunk) => void chunks.push(chunk));
      sample.push(Buffer.concat(chunks));
      seconds += segment.durationSeconds;
    }
    return sample;
  }

  /**
   * Writes the plan's segments, in order, into the mux's stdin (the sample first, from memory;
   * the rest as the session makes them). The reservation covers what ffmpeg may have written
   * before each write: the bytes fed so far and the next ones, and the index to come.
   */
  private async feed(job: ExportJob, mux: SupervisedProcess, sessionId: string, plan: ExportPlan, sample: Buffer[], signal: AbortSignal): Promise<void> {
    const input = mux.stdin!;
    const index = mp4IndexAllowance(plan.durationSeconds);
    let fed = 0;
    const write = async (bytes: Buffer) => {
      await job.reservation!.cover(fed + bytes.length + index, fed);
      await writeTo(input, bytes);
      fed += bytes.length;
    };
    for (let i = 0; i < plan.segments.length; i += 1) {
      if (i < sample.length) {
        await write(sample[i]);
        sample[i] = EMPTY;
      } else {
        await forEachChunk(await this.routing.streamFile(sessionId, plan.segments[i].fileName, undefined, signal), signal, write);
      }
      job.segmentsDone += 1;
    }
    input.end();
  }
}

const EMPTY = Buffer.alloc(0);

/** The mux's stdin closed under a write: ffmpeg has exited (its exit says why). */
class MuxInputClosedError extends Error {
  constructor() {
    super('ffmpeg stopped reading the segments');
  }
}

/** One segment (read whole, or streamed), chunk by chunk. */
async function forEachChunk(file: StreamFile, signal: AbortSignal, each: (chunk: Buffer) => Promise<void>): Promise<void> {
  if (file.kind === 'playlist') throw new Error('the session answered a segment with a playlist');
  if (file.kind === 'segment-bytes') return each(file.bytes);
  try {
    for await (const chunk of file.stream) {
      signal.throwIfAborted();
      await each(chunk as Buffer);
    }
  } finally {
    file.stream.destroy();
  }
}

/** Writes to a child's stdin and waits until the pipe has taken it (its backpressure). */
function writeTo(input: Writable, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (input.destroyed || input.writableEnded) return reject(new MuxInputClosedError());
    // The callback reports a broken pipe (EPIPE) once ffmpeg is gone.
    input.write(bytes, (error) => (error ? reject(new MuxInputClosedError()) : resolve()));
  });
}
