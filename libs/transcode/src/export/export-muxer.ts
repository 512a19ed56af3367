import { Inject, Injectable } from '@nestjs/common';
import { FfmpegProcessSupervisor, SupervisedProcess } from '@app/ffmpeg';
import { Clock } from '../clock';
import { FfmpegProcessSlots } from '../scheduler/ffmpeg-process-slots';
import { SessionFilesStore } from '../storage/session-files.store';
import { NoFfmpegSlotException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';

/** How ffmpeg gets to stop after its export was abandoned. */
export const MUX_STOP_GRACE_MS = 1000;

/** One export's mux: who it is counted to, where it writes, and what to do when its slot is taken. */
export interface MuxRequest {
  /** The export's scratch folder (shaped like a session id). */
  id: string;
  requester: string;
  /** The session whose segments it muxes, for the log. */
  sessionId: string;
  args: string[];
  /** Called when the process limit takes its slot for a user under their share (it is stopped too). */
  preempted(): void;
}

/**
 * The ffmpeg of an MP4 export, once it has a process slot (as a run takes one: it is counted to
 * the export's requester and needed while it lives) and its scratch folder; 503 when no slot can
 * be had. The slot goes back when the process has exited.
 */
@Injectable()
export class ExportMuxer {
  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    private readonly slots: FfmpegProcessSlots,
    private readonly files: SessionFilesStore,
    private readonly supervisor: FfmpegProcessSupervisor,
    private readonly clock: Clock,
  ) {}

  /** The 503 of an export that has no process slot for its mux (none free, or its own taken). */
  noSlot(): NoFfmpegSlotException {
    return new NoFfmpegSlotException(this.slots.limit);
  }

  async start(request: MuxRequest, signal: AbortSignal): Promise<SupervisedProcess> {
    const slotKey = `export:${request.id}`;
    let mux: SupervisedProcess | null = null;
    const granted = await this.slots.acquire(slotKey, {
      view: () => ({ needed: true, paused: false, wantedAt: this.clock.now(), aheadSegments: 0, owner: request.requester }),
      preempt: () => {
        request.preempted();
        void mux?.stop(MUX_STOP_GRACE_MS);
      },
    });
    if (!granted) throw this.noSlot();
    try {
      signal.throwIfAborted();
      await this.files.createSessionDir(request.id);
      signal.throwIfAborted();
      mux = this.supervisor.spawn(this.options.ffmpegPath, request.args, {
        outputFds: [],
        stdin: true,
        label: 'ffmpeg (mp4 export)',
        logFields: { exportId: request.id, sessionId: request.sessionId },
      });
    } catch (error) {
      this.slots.release(slotKey);
      throw error;
    }
    void mux.exited.then(() => this.slots.release(slotKey));
    // A restart after a crash stops an ffmpeg still writing here, as it does a session's.
    if (mux.pid !== undefined) await this.files.writePid(request.id, mux.pid);
    return mux;
  }
}
