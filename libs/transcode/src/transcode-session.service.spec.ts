import { Test } from '@nestjs/testing';
import { StreamTokenService } from '@app/auth';
import { Subject } from 'rxjs';
import { FfmpegCommandBuilder, FfmpegProcessSupervisor, ProcessExit } from '@app/ffmpeg';
import { RECORDING_SOURCE, RecordingFile, RecordingSource } from '@app/recordings';
import { Clock } from './clock';
import { SessionFilesStore } from './session-files.store';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from './transcode.module-definition';
import { TranscodeSessionService } from './transcode-session.service';
import {
  FirstSegmentTimeoutException,
  NoRecordingsException,
  TooManyTranscodesException,
  TranscoderFailedException,
  UnknownCameraException,
} from './transcode.exceptions';

/** A stand-in for a spawned ffmpeg that the test drives by hand. */
class FakeProcess {
  readonly pid = 4242;
  running = true;
  readonly segmentLines = new Subject<string>();
  readonly progressLines = new Subject<string>();
  readonly exitSubject = new Subject<ProcessExit>();
  private resolveExit!: (exit: ProcessExit) => void;
  readonly exited = new Promise<ProcessExit>((resolve) => (this.resolveExit = resolve));
  stopped = false;

  lines(fd: number) {
    return (fd === 3 ? this.segmentLines : this.progressLines).asObservable();
  }
  get exit$() {
    return this.exitSubject.asObservable();
  }
  stderrTail() {
    return ['last line'];
  }
  announceSegment(index: number) {
    const name = `seg_${String(index).padStart(5, '0')}.ts`;
    this.segmentLines.next(`${name},${index * 2}.000000,${index * 2 + 2}.000000`);
  }
  exit(code: number) {
    this.running = false;
    const exit = { code, signal: null, stderrTail: ['boom'] };
    this.exitSubject.next(exit);
    this.exitSubject.complete();
    this.resolveExit(exit);
  }
  async stop() {
    this.stopped = true;
    if (this.running) this.exit(255);
    return this.exited;
  }
}

class FakeSupervisor {
  readonly spawned: FakeProcess[] = [];
  /** What each new process does right after it is spawned. */
  onSpawn: (process: FakeProcess) => void = (process) => setTimeout(() => process.announceSegment(0), 5);

  spawn() {
    const process = new FakeProcess();
    this.spawned.push(process);
    this.onSpawn(process);
    return process;
  }
  async run() {
    return { code: 0, signal: null, stderrTail: [], stdout: [] };
  }
}

class FakeFiles {
  removed: string[] = [];
  async prepareRoot() {}
  async removeLeftovers() {
    return 0;
  }
  async createSessionDir(id: string) {
    return `/transcode/${id}`;
  }
  async writeConcatList(id: string) {
    return `/transcode/${id}/sources.ffconcat`;
  }
  async writePid() {}
  async removeSessionDir(id: string) {
    this.removed.push(id);
  }
}

class ManualClock {
  value = 1_000_000;
  now() {
    return this.value;
  }
}

const T = 1_700_000_000;
const recording = (camera: string, offset: number): RecordingFile => ({
  camera,
  path: `/rec/${camera}/${offset}.mp4`,
  startTime: T + offset,
  durationSeconds: 10,
});

const source: RecordingSource = {
  listCameras: async () => ['front', 'back', 'empty'],
  findRecordings: async (camera) => (camera === 'front' || camera === 'back' ? [0, 10, 20].map((o) => recording(camera, o)) : []),
  checkReadable: async () => undefined,
};

const options: TranscodeModuleOptions = {
  transcodeDir: '/transcode',
  maxConcurrentTranscodes: 2,
  ttlSeconds: 60,
  segmentWaitTimeoutSeconds: 1,
  segmentDurationSeconds: 2,
  maxRangeSeconds: 3600,
  outputMaxHeight: 720,
  ffmpegPath: 'ffmpeg',
  ffmpegPreset: 'ultrafast',
};

describe('TranscodeSessionService', () => {
  let service: TranscodeSessionService;
  let supervisor: FakeSupervisor;
  let files: FakeFiles;
  let clock: ManualClock;

  beforeEach(async () => {
    supervisor = new FakeSupervisor();
    files = new FakeFiles();
    clock = new ManualClock();
    const moduleRef = await Test.createTestingModule({
      providers: [
        TranscodeSessionService,
        FfmpegCommandBuilder,
        { provide: TRANSCODE_MODULE_OPTIONS, useValue: options },
        { provide: RECORDING_SOURCE, useValue: source },
        { provide: FfmpegProcessSupervisor, useValue: supervisor },
        { provide: SessionFilesStore, useValue: files },
        { provide: Clock, useValue: clock },
        { provide: StreamTokenService, useValue: { enabled: false, issue: () => 'token' } },
      ],
    }).compile();
    service = moduleRef.get(TranscodeSessionService);
  });

  describe('deduplication', () => {
    it('gives 50 concurrent identical requests one session and one ffmpeg', async () => {
      const sessions = await Promise.all(Array.from({ length: 50 }, () => service.open('front', T, T + 30)));
      expect(new Set(sessions.map((s) => s.id)).size).toBe(1);
      expect(supervisor.spawned).toHaveLength(1);
      expect(service.list()).toHaveLength(1);
    });

    it('starts separate sessions for different ranges', async () => {
      const [a, b] = await Promise.all([service.open('front', T, T + 30), service.open('front', T, T + 20)]);
      expect(a.id).not.toBe(b.id);
      expect(supervisor.spawned).toHaveLength(2);
    });

    it('shares the failure with every waiter and lets a later request start afresh', async () => {
      supervisor.onSpawn = (process) => setTimeout(() => process.exit(1), 5);
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => service.open('front', T, T + 30)));
      expect(results.every((r) => r.status === 'rejected' && r.reason instanceof TranscoderFailedException)).toBe(true);
      expect(supervisor.spawned).toHaveLength(1);
      expect(service.list()).toEqual([]);
      supervisor.onSpawn = (process) => setTimeout(() => process.announceSegment(0), 5);
      await expect(service.open('front', T, T + 30)).resolves.toBeDefined();
      expect(supervisor.spawned).toHaveLength(2);
    });
  });

  describe('the concurrency limit', () => {
    it('refuses a new session with 429 when MAX_CONCURRENT_TRANSCODES encoders run', async () => {
      await service.open('front', T, T + 30);
      await service.open('back', T, T + 30);
      await expect(service.open('front', T, T + 20)).rejects.toBeInstanceOf(TooManyTranscodesException);
      expect(supervisor.spawned).toHaveLength(2);
    });

    it('still lets callers join a running session when full', async () => {
      const first = await service.open('front', T, T + 30);
      await service.open('back', T, T + 30);
      await expect(service.open('front', T, T + 30)).resolves.toBe(first);
    });

    it('frees the slot when an encoder finishes the range', async () => {
      await service.open('front', T, T + 30);
      await service.open('back', T, T + 30);
      supervisor.spawned[0].exit(0);
      await supervisor.spawned[0].exited;
      await expect(service.open('front', T, T + 20)).resolves.toBeDefined();
    });

    it('counts a session that is still starting (no segment yet) against the limit', async () => {
      supervisor.onSpawn = () => undefined;
      const pending = [service.open('front', T, T + 30), service.open('back', T, T + 30)].map((p) => p.catch((e) => e));
      await new Promise((resolve) => setImmediate(resolve));
      await expect(service.open('front', T, T + 20)).rejects.toBeInstanceOf(TooManyTranscodesException);
      await Promise.all(pending);
    });
  });

  describe('start-up failures', () => {
    it('answers 504 when no segment comes within SEGMENT_WAIT_TIMEOUT_SECONDS and stops the encoder', async () => {
      supervisor.onSpawn = () => undefined;
      await expect(service.open('front', T, T + 30)).rejects.toBeInstanceOf(FirstSegmentTimeoutException);
      expect(supervisor.spawned[0].stopped).toBe(true);
      expect(service.list()).toEqual([]);
      expect(files.removed).toHaveLength(1);
    });

    it('answers 404 for an unknown camera and for a range without recordings, without spawning', async () => {
      await expect(service.open('nosuch', T, T + 30)).rejects.toBeInstanceOf(UnknownCameraException);
      await expect(service.open('empty', T, T + 30)).rejects.toBeInstanceOf(NoRecordingsException);
      expect(supervisor.spawned).toEqual([]);
    });
  });

  describe('cleanup by last access', () => {
    it('removes sessions idle past the TTL and keeps those requested since', async () => {
      const watched = await service.open('front', T, T + 30);
      const idle = await service.open('back', T, T + 30);
      clock.value += 45_000;
      service.access(watched.id);
      clock.value += 30_000;
      expect(await service.removeStaleSessions()).toBe(1);
      expect(service.list().map((s) => s.id)).toEqual([watched.id]);
      expect(files.removed).toEqual([idle.id]);
      expect(supervisor.spawned[1].stopped).toBe(true);
    });

    it('does not count the encoder still writing files as an access', async () => {
      const session = await service.open('front', T, T + 30);
      clock.value += 61_000;
      supervisor.spawned[0].announceSegment(1);
      expect(await service.removeStaleSessions()).toBe(1);
      expect(service.list()).toEqual([]);
      expect(session.state).toBe('stopped');
    });
  });

  it('stops every encoder before the application shuts down', async () => {
    await service.open('front', T, T + 30);
    await service.open('back', T, T + 30);
    await service.beforeApplicationShutdown();
    expect(supervisor.spawned.every((p) => p.stopped)).toBe(true);
    expect(service.list()).toEqual([]);
  });
});
