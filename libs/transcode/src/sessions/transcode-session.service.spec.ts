import { Test, TestingModule } from '@nestjs/testing';
import { Subject } from 'rxjs';
import { StreamTokenService } from '@app/auth';
import { FfmpegCommandBuilder, FfmpegProcessSupervisor, ProcessExit } from '@app/ffmpeg';
import { RECORDING_SOURCE, RecordingFile, RecordingSource } from '@app/recordings';
import { Clock } from '../clock';
import { EncoderSelector, HARDWARE_RETRY_AFTER_MS } from '../policy/encoder-selector.service';
import { TranscodeEvents } from '../transcode-events';
import { SessionCreationRateLimiter, TooManySessionCreationsException } from './session-creation.rate-limiter';
import { RecordingPresence } from '../storage/recording-presence';
import { SessionEncoderService } from '../scheduler/session-encoder.service';
import { SessionDriverFactory } from '../scheduler/session-driver.factory';
import { SessionTable } from './session-table';
import { TrackTable } from '../tracks/track-table';
import { AdmissionLimits } from './admission-limits';
import { RangePlanner } from './range-planner';
import { SegmentAccess } from './segment-access.service';
import { SessionAdmission } from './session-admission.service';
import { SessionStreamFiles } from './session-stream-files.service';
import { StaleSessionCleanupJob } from './stale-session-cleanup.job';
import { DiskBudgetService, SESSIONS_ON_DISK } from '../storage/disk-budget.service';
import { FfmpegHealth } from '../ffmpeg-health.service';
import { FfmpegProcessSlots } from '../scheduler/ffmpeg-process-slots';
import { SessionFilesStore } from '../storage/session-files.store';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import { TranscodeSessionService } from './transcode-session.service';
import { isH264RangeRefusal } from '../policy/h264-hand-off';
import { routed } from '../routing/local-session.routing';
import { TranscodeSession } from './transcode-session';
import {
  RequestWithdrawnException,
  TooManyUserSessionsException,
  FirstSegmentTimeoutException,
  InsufficientStorageException,
  NoRecordingsException,
  SessionNotFoundException,
  TooManyTranscodesException,
  TranscoderFailedException,
  UnknownCameraException,
} from '../transcode.exceptions';

/** A stand-in for a spawned ffmpeg that the test drives by hand. */
class FakeProcess {
  readonly pid = 4242;
  running = true;
  isPaused = false;
  stopped = false;
  readonly segmentLines = new Subject<string>();
  readonly progressLines = new Subject<string>();
  readonly exitSubject = new Subject<ProcessExit>();
  private resolveExit!: (exit: ProcessExit) => void;
  readonly exited = new Promise<ProcessExit>((resolve) => (this.resolveExit = resolve));
  readonly startIndex: number;
  readonly runPrefix: string;

  constructor(readonly args: string[]) {
    this.startIndex = Number(args[args.indexOf('-segment_start_number') + 1]);
    this.runPrefix = /\/(r\d+_)%05d\.ts$/.exec(args.at(-1)!)![1];
  }

  lines(fd: number) {
    return (fd === 3 ? this.segmentLines : this.progressLines).asObservable();
  }
  get exit$() {
    return this.exitSubject.asObservable();
  }
  stderrTail() {
    return ['last line'];
  }
  announce(index: number) {
    // A stopped (SIGSTOP) ffmpeg makes no progress.
    if (this.isPaused) return;
    // Planned segments: 1 s first, then 2 s; ffmpeg lists where each ends on the range's timeline.
    const start = index === 0 ? 0 : 2 * index - 1;
    this.segmentLines.next(`${this.runPrefix}${String(index).padStart(5, '0')}.ts,${start}.0,${2 * index + 1}.0`);
  }
  niceness = 10;
  setNiceness(niceness: number) {
    this.niceness = niceness;
  }
  pause() {
    this.isPaused = true;
  }
  resume() {
    this.isPaused = false;
  }
  exit(code: number) {
    if (!this.running) return;
    this.running = false;
    const exit = { code, signal: null, stderrTail: ['boom'] };
    this.exitSubject.next(exit);
    this.exitSubject.complete();
    this.resolveExit(exit);
  }
  /** Like ffmpeg on SIGTERM: closes the segment it was writing and lists it. */
  announceOnStop: number | null = null;
  /** How long the process takes to exit once told to. */
  stopDelayMs = 0;
  async stop() {
    this.stopped = true;
    this.isPaused = false;
    if (this.stopDelayMs) await new Promise((resolve) => setTimeout(resolve, this.stopDelayMs));
    if (this.announceOnStop !== null && this.running) this.announce(this.announceOnStop);
    this.exit(255);
    return this.exited;
  }
}

class FakeSupervisor {
  readonly spawned: FakeProcess[] = [];
  /** What each new process does right after it is spawned: by default, finish its first segment. */
  onSpawn: (process: FakeProcess) => void = (process) => setTimeout(() => process.announce(process.startIndex), 5);

  spawn(_command: string, args: string[]) {
    const process = new FakeProcess(args);
    this.spawned.push(process);
    this.onSpawn(process);
    return process;
  }
  async run() {
    return { code: 0, signal: null, stderrTail: [], stdout: [] };
  }
  get running() {
    return this.spawned.filter((p) => p.running);
  }
}

class FakeFiles {
  removed: string[] = [];
  /** The order in which session folders were made and removed. */
  events: string[] = [];
  freeBytesValue = 10 * 1024 ** 3;
  async freeBytes() {
    return this.freeBytesValue;
  }
  fileSize() {
    return 1000;
  }
  async prepareRoot() {}
  async removeLeftovers() {
    return 0;
  }
  sessionDir(id: string) {
    return `/transcode/${id}`;
  }
  /** Set by a test: createSessionDir waits for it (a slow disk). */
  folderDelay: Promise<void> = Promise.resolve();
  async createSessionDir(id: string) {
    await this.folderDelay;
    this.events.push(`create ${id}`);
    return this.sessionDir(id);
  }
  /** The text of each run's input list, by path. */
  readonly lists = new Map<string, string>();
  async writeInputList(id: string, runId: number, list: { text: string }) {
    const path = `/transcode/${id}/run-${runId}.ffconcat`;
    this.lists.set(path, list.text);
    return path;
  }
  async writePid() {}
  removedFiles: string[] = [];
  async removeFile(_id: string, file: string) {
    this.removedFiles.push(file);
  }
  async removeFilesWhere() {}
  async removeSessionDir(id: string) {
    this.removed.push(id);
    this.events.push(`remove ${id}`);
  }
}

/**
 * The time stands still unless a test moves it, or a timer fires: a timer runs after its real
 * delay and moves the time to when it was due (the scheduler's own spec uses no real time at all).
 */
class ManualClock {
  value = 1_000_000;
  now() {
    return this.value;
  }
  schedule(delayMs: number, callback: () => void) {
    const due = this.value + Math.max(0, delayMs);
    const timer = setTimeout(
      () => {
        this.value = Math.max(this.value, due);
        callback();
      },
      Math.max(0, delayMs),
    );
    return () => clearTimeout(timer);
  }
}

const T = 1_700_000_000;
/** 10 files of 10 s each: 100 s, 50 segments of 2 s. */
const recordingsOf = (camera: string): RecordingFile[] =>
  Array.from({ length: 10 }, (_, i) => ({ camera, path: `/rec/${camera}/${i}.mp4`, startTime: T + i * 10, durationSeconds: 10 }));

const source: RecordingSource = {
  listCameras: async () => ['front', 'back', 'side', 'empty'],
  findRecordings: async (camera) => (['front', 'back', 'side'].includes(camera) ? recordingsOf(camera) : []),
  findRecordedPeriods: async () => ({ periods: [], unreadable: [] }),
  withMedia: async (files: RecordingFile[]) => files,
  checkReadable: async () => undefined,
};

const baseOptions: TranscodeModuleOptions = {
  transcodeDir: '/transcode',
  maxConcurrentTranscodes: 2,
  ttlSeconds: 60,
  segmentWaitTimeoutSeconds: 1,
  segmentDurationSeconds: 2,
  maxRangeSeconds: 3600,
  outputMaxHeight: 720,
  ffmpegPath: 'ffmpeg',
  ffmpegPreset: 'ultrafast',
  lookaheadSeconds: 10,
  idleTimeoutSeconds: 30,
};

const flush = () => new Promise((resolve) => setTimeout(resolve, 15));
/** Polls a condition the fakes will meet (no fixed sleep). */
async function waitUntil(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The engine's pieces as one: the engine's front (TranscodeSessionService) for what it offers,
 * the sessions module's own services for the rest, each session the live object (this spec looks
 * inside them).
 */
function engineOf(moduleRef: TestingModule) {
  const engine = moduleRef.get(TranscodeSessionService);
  const admission = moduleRef.get(SessionAdmission);
  const access = moduleRef.get(SegmentAccess);
  const table = moduleRef.get(SessionTable);
  return {
    engine,
    open: (...args: Parameters<SessionAdmission['open']>) => admission.open(...args),
    adopt: (...args: Parameters<SessionAdmission['adopt']>) => admission.adopt(...args),
    segmentFile: (session: TranscodeSession, index: number, signal?: AbortSignal) => access.segmentFile(session, index, signal),
    access: (sessionId: string) => access.access(sessionId),
    playlist: (session: TranscodeSession, query?: string) => moduleRef.get(SessionStreamFiles).playlist(session, query),
    list: () => table.sessions(),
    remove: (sessionId: string) => engine.remove(sessionId),
    encodingSessionIds: () => engine.encodingSessionIds(),
    removeStaleSessions: () => moduleRef.get(StaleSessionCleanupJob).removeStaleSessions(),
    encoderStatus: () => moduleRef.get(EncoderSelector).status(),
    diskUsageBytes: () => moduleRef.get(DiskBudgetService).usageBytes(),
    beforeApplicationShutdown: () => engine.beforeApplicationShutdown(),
  };
}

describe('the session engine (TranscodeSessionService and the sessions module behind it)', () => {
  let service: ReturnType<typeof engineOf>;
  let supervisor: FakeSupervisor;
  let files: FakeFiles;
  let clock: ManualClock;

  async function build(overrides: Partial<TranscodeModuleOptions> = {}) {
    supervisor = new FakeSupervisor();
    files = new FakeFiles();
    clock = new ManualClock();
    const moduleRef = await Test.createTestingModule({
      providers: [
        TranscodeSessionService,
        SessionAdmission,
        AdmissionLimits,
        RangePlanner,
        SegmentAccess,
        SessionStreamFiles,
        StaleSessionCleanupJob,
        SessionTable,
        TrackTable,
        SessionDriverFactory,
        DiskBudgetService,
        { provide: SESSIONS_ON_DISK, useExisting: SessionTable },
        FfmpegHealth,
        FfmpegProcessSlots,
        SessionEncoderService,
        EncoderSelector,
        TranscodeEvents,
        SessionCreationRateLimiter,
        FfmpegCommandBuilder,
        { provide: RecordingPresence, useValue: { missingAmong: async () => new Set<string>() } },
        { provide: TRANSCODE_MODULE_OPTIONS, useValue: { ...baseOptions, ...overrides } },
        { provide: RECORDING_SOURCE, useValue: source },
        { provide: FfmpegProcessSupervisor, useValue: supervisor },
        { provide: SessionFilesStore, useValue: files },
        { provide: Clock, useValue: clock },
        { provide: StreamTokenService, useValue: { enabled: false, issue: () => 'token' } },
      ],
    }).compile();
    service = engineOf(moduleRef);
    events = moduleRef.get(TranscodeEvents);
  }
  let events: TranscodeEvents;
  const moduleEvents = () => events;

  beforeEach(() => build());
  afterEach(() => service.beforeApplicationShutdown());

  describe('deduplication', () => {
    it('gives 50 concurrent identical requests one session and one ffmpeg', async () => {
      const sessions = await Promise.all(Array.from({ length: 50 }, () => service.open('front', T, T + 100)));
      expect(new Set(sessions.map((s) => s.id)).size).toBe(1);
      expect(supervisor.spawned).toHaveLength(1);
      expect(service.list()).toHaveLength(1);
    });

    it('shares a start-up failure with every waiter and lets a later request start afresh', async () => {
      supervisor.onSpawn = (process) => setTimeout(() => process.exit(1), 5);
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => service.open('front', T, T + 100)));
      expect(results.every((r) => r.status === 'rejected' && r.reason instanceof TranscoderFailedException)).toBe(true);
      expect(supervisor.spawned).toHaveLength(1);
      expect(service.list()).toEqual([]);
      supervisor.onSpawn = (process) => setTimeout(() => process.announce(process.startIndex), 5);
      await expect(service.open('front', T, T + 100)).resolves.toBeDefined();
    });
  });

  describe('the rate limit of session creation', () => {
    it('counts new sessions per requester, not joins: 50 identical requests count once', async () => {
      await build({ sessionCreateLimit: 2, maxConcurrentTranscodes: 8 });
      await Promise.all(Array.from({ length: 50 }, () => service.open('front', T, T + 100, 'user:alice')));
      await service.open('front', T, T + 100, 'user:alice');
      await service.open('back', T, T + 100, 'user:alice');
      await expect(service.open('side', T, T + 100, 'user:alice')).rejects.toBeInstanceOf(TooManySessionCreationsException);
      await expect(service.open('side', T, T + 100, 'user:bob')).resolves.toBeDefined();
      expect(supervisor.spawned).toHaveLength(3);
    });

    it('refuses a create past the limit before looking up any recording (a client hammering creates makes no disk work)', async () => {
      await build({ sessionCreateLimit: 1, maxConcurrentTranscodes: 8 });
      await service.open('front', T, T + 100, 'user:alice');
      const lookups = jest.spyOn(source, 'findRecordings');
      try {
        await expect(service.open('back', T, T + 100, 'user:alice')).rejects.toBeInstanceOf(TooManySessionCreationsException);
        expect(lookups).not.toHaveBeenCalled();
      } finally {
        lookups.mockRestore();
      }
    });

    it('does not count a create refused by MAX_CONCURRENT_TRANSCODES (a client retrying is not spending its budget)', async () => {
      await build({ sessionCreateLimit: 3, maxConcurrentTranscodes: 2 });
      await service.open('front', T, T + 100, 'user:alice');
      await service.open('back', T, T + 100, 'user:alice');
      for (let retry = 0; retry < 5; retry += 1) {
        await expect(service.open('side', T, T + 100, 'user:alice')).rejects.toBeInstanceOf(TooManyTranscodesException);
      }
      for (let i = 1; i <= 5; i += 1) supervisor.spawned[0].announce(i);
      await expect(service.open('side', T, T + 100, 'user:alice')).resolves.toBeDefined();
    });
  });

  describe('the per-user session cap', () => {
    it('holds for creates made all at once (each passes the first check before any is in the table)', async () => {
      await build({ maxSessionsPerUser: 2, maxConcurrentTranscodes: 8, sessionCreateLimit: 100 });
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => service.open(['front', 'back', 'side'][i % 3], T + Math.floor(i / 3) * 10, T + 100, 'user:alice')),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
      expect(results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason)).toEqual(
        Array.from({ length: 4 }, () => expect.any(TooManyUserSessionsException)),
      );
    });

    it("answers 429 once a user has MAX_SESSIONS_PER_USER live sessions of their own; joining another user's never counts", async () => {
      await build({ maxSessionsPerUser: 2, maxConcurrentTranscodes: 8 });
      await service.open('front', T, T + 100, 'user:alice');
      await service.open('back', T, T + 100, 'user:alice');
      await expect(service.open('side', T, T + 100, 'user:alice')).rejects.toBeInstanceOf(TooManyUserSessionsException);
      // Bob's session, joined by Alice, is Bob's.
      await service.open('side', T, T + 100, 'user:bob');
      await expect(service.open('side', T, T + 100, 'user:alice')).resolves.toBeDefined();
      // One of hers gone: room again.
      await service.remove(service.list().find((session) => session.camera === 'front')!.id);
      await expect(service.open('front', T, T + 50, 'user:alice')).resolves.toBeDefined();
    });
  });

  describe('the concurrency limit', () => {
    it('refuses a new session with 429 when MAX_CONCURRENT_TRANSCODES encoders are encoding', async () => {
      await service.open('front', T, T + 100);
      await service.open('back', T, T + 100);
      await expect(service.open('side', T, T + 100)).rejects.toBeInstanceOf(TooManyTranscodesException);
      await expect(service.open('front', T, T + 100)).resolves.toBeDefined();
    });

    it('does not count encoders paused under the lookahead', async () => {
      const front = await service.open('front', T, T + 100);
      await service.open('back', T, T + 100);
      // 10 s lookahead = 5 segments ahead of the viewer (at 0): the encoder pauses after #5.
      for (let i = 1; i <= 5; i += 1) supervisor.spawned[0].announce(i);
      expect(supervisor.spawned[0].isPaused).toBe(true);
      expect(front.holdsEncoderSlot(clock.now(), 30_000)).toBe(false);
      await expect(service.open('side', T, T + 100)).resolves.toBeDefined();
    });

    it('does not count encoders stopped after the idle timeout', async () => {
      await build({ idleTimeoutSeconds: 0.05 });
      await service.open('front', T, T + 100);
      await service.open('back', T, T + 100);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(supervisor.spawned.every((p) => p.stopped)).toBe(true);
      await expect(service.open('side', T, T + 100)).resolves.toBeDefined();
    });
  });

  describe('handing H.264 off (OpenOptions.handOffH264, the front door)', () => {
    /** The source reads headers: `side` is H.264, the others H.265. */
    const withCodecs = () =>
      jest
        .spyOn(source, 'withMedia')
        .mockImplementation(async (found: readonly RecordingFile[]) =>
          found.map((file) => ({ ...file, media: { video: { kind: 'video', codecTag: file.camera === 'side' ? 'avc1' : 'hvc1' } } }) as RecordingFile),
        );
    afterEach(() => jest.restoreAllMocks());

    it('starts nothing for a range whose recordings are all H.264, after the admission and one lookup', async () => {
      withCodecs();
      const lookups = jest.spyOn(source, 'findRecordings');
      const refusal = await service.open('side', T, T + 100, 'user:alice', { waitForFirstSegment: false, handOffH264: true }).catch((error: unknown) => error);
      expect(isH264RangeRefusal(refusal)).toBe(true);
      expect({ lookups: lookups.mock.calls.length, sessions: service.list().length, spawned: supervisor.spawned.length }).toEqual({
        lookups: 1,
        sessions: 0,
        spawned: 0,
      });
      // Without the hand-off (the API), the same range is a session.
      await expect(service.open('side', T, T + 100, 'user:alice')).resolves.toBeDefined();
    });

    it('keeps H.265 to transcode, and starts its run where the first segment is asked', async () => {
      withCodecs();
      const session = await service.open('front', T, T + 100, 'user:alice', { waitForFirstSegment: false, handOffH264: true });
      expect(routed(session.snapshot()).awaitingHandOff).toBeUndefined();
      await expect(service.segmentFile(session, 10)).resolves.toBe('r1_00010.ts');
      expect(supervisor.spawned.map((process) => process.startIndex)).toEqual([10]);
    });

    it('starts a plan that cannot tell its codecs without its encoder, and says so until its first segment is asked, so it can still be handed off before any process runs', async () => {
      const session = await service.open('front', T, T + 100, 'user:alice', { waitForFirstSegment: false, handOffH264: true });
      expect(routed(session.snapshot()).awaitingHandOff).toBe(true);
      // Joined meanwhile (the caller's next playlist), it still says so.
      expect(routed((await service.open('front', T, T + 100, 'user:bob', { waitForFirstSegment: false, handOffH264: true })).snapshot()).awaitingHandOff).toBe(
        true,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(supervisor.spawned).toHaveLength(0);
      // The first segment asked starts it, and it is a session like any other from then on.
      const first = service.segmentFile(session, 0);
      await waitUntil(() => supervisor.spawned.length === 1);
      await expect(first).resolves.toMatch(/_00000\.ts$/);
      expect(routed(session.snapshot()).awaitingHandOff).toBeUndefined();
    });

    it('gives a caller that does not hand off its session when it shared an admission with one that does', async () => {
      withCodecs();
      const [door, api] = await Promise.allSettled([
        service.open('side', T, T + 100, 'user:alice', { waitForFirstSegment: false, handOffH264: true }),
        service.open('side', T, T + 100, 'user:bob'),
      ]);
      expect(door.status === 'rejected' && isH264RangeRefusal(door.reason)).toBe(true);
      expect(api.status).toBe('fulfilled');
    });
  });

  describe('opening without waiting (the front door’s playlists, an export, a takeover)', () => {
    /** The first-segment events published from now on. */
    const firstSegmentEvents = () => {
      const seen: number[] = [];
      const subscription = moduleEvents().events$.subscribe((event) => event.type === 'first-segment' && seen.push(event.seconds));
      return { seen, stop: () => subscription.unsubscribe() };
    };

    it('starts nothing: the first segment request decides where the one run starts, and the time to first segment counts from it', async () => {
      const events = firstSegmentEvents();
      try {
        const session = await service.open('front', T, T + 100, 'user:alice', { waitForFirstSegment: false });
        // Its playlist, asked again (the media playlist after the master): still nothing.
        await service.open('front', T, T + 100, 'user:alice', { waitForFirstSegment: false });
        service.playlist(service.access(session.id));
        await flush();
        expect({ spawned: supervisor.spawned.length, state: session.state }).toEqual({ spawned: 0, state: 'opened' });
        // The viewer asks for a segment mid-range a minute later.
        clock.value += 60_000;
        await expect(service.segmentFile(session, 30)).resolves.toBe('r1_00030.ts');
        expect({ starts: supervisor.spawned.map((process) => process.startIndex), state: session.state, firstSegment: events.seen }).toEqual({
          starts: [30],
          state: 'active',
          firstSegment: [0],
        });
      } finally {
        events.stop();
      }
    });

    it('holds an encoder slot for IDLE_TIMEOUT_SECONDS after its last request while no segment is asked, then lets it go', async () => {
      await service.open('front', T, T + 100, 'user:alice', { waitForFirstSegment: false });
      await service.open('back', T, T + 100, 'user:bob', { waitForFirstSegment: false });
      await expect(service.open('side', T, T + 100, 'user:carol')).rejects.toBeInstanceOf(TooManyTranscodesException);
      expect(service.encodingSessionIds()).toHaveLength(2);
      clock.value += 30_001;
      expect(service.encodingSessionIds()).toHaveLength(0);
      await expect(service.open('side', T, T + 100, 'user:carol')).resolves.toBeDefined();
      expect(supervisor.spawned.map((process) => process.startIndex)).toEqual([0]);
    });

    it('answers a create that joins it once segment 0 is playable', async () => {
      const session = await service.open('front', T, T + 100, 'user:alice', { waitForFirstSegment: false });
      await flush();
      expect(supervisor.spawned).toHaveLength(0);
      await expect(service.open('front', T, T + 100, 'user:bob')).resolves.toBe(session);
      expect({ ready: session.readyFile(0), starts: supervisor.spawned.map((process) => process.startIndex), state: session.state }).toEqual({
        ready: 'r1_00000.ts',
        starts: [0],
        state: 'active',
      });
    });

    it('is opened again when its first request is withdrawn before any segment is made: the next request is its first', async () => {
      const events = firstSegmentEvents();
      try {
        const session = await service.open('front', T, T + 100, undefined, { waitForFirstSegment: false });
        supervisor.onSpawn = () => undefined;
        const client = new AbortController();
        const withdrawn = service.segmentFile(session, 20, client.signal);
        await waitUntil(() => supervisor.spawned.length === 1);
        expect(session.state).toBe('starting');
        client.abort();
        await expect(withdrawn).rejects.toBeInstanceOf(RequestWithdrawnException);
        expect(session.state).toBe('opened');
        clock.value += 5_000;
        const next = service.segmentFile(session, 20);
        await flush();
        clock.value += 1_500;
        supervisor.spawned[0].announce(20);
        await expect(next).resolves.toBe('r1_00020.ts');
        expect({ state: session.state, firstSegment: events.seen }).toEqual({ state: 'active', firstSegment: [1.5] });
      } finally {
        events.stop();
      }
    });

    it('takes a session over without asking for any segment: the takeover’s request starts its run', async () => {
      const session = await service.adopt('front', T, T + 100);
      await flush();
      expect({ spawned: supervisor.spawned.length, state: session.state }).toEqual({ spawned: 0, state: 'opened' });
      await expect(service.segmentFile(session, 25)).resolves.toBe('r1_00025.ts');
      expect(supervisor.spawned.map((process) => process.startIndex)).toEqual([25]);
    });
  });

  describe('segments on demand', () => {
    it('serves a finished segment at once', async () => {
      const session = await service.open('front', T, T + 100);
      await expect(service.segmentFile(session, 0)).resolves.toBe('r1_00000.ts');
    });

    it('waits for a segment the running encoder will reach soon, without a restart', async () => {
      const session = await service.open('front', T, T + 100);
      const pending = service.segmentFile(session, 3);
      await flush();
      supervisor.spawned[0].announce(1);
      supervisor.spawned[0].announce(2);
      supervisor.spawned[0].announce(3);
      await expect(pending).resolves.toBe('r1_00003.ts');
      expect(supervisor.spawned).toHaveLength(1);
    });

    it('starts a run at a segment far ahead (a seek), with timestamps aligned to the range, and pauses the first', async () => {
      const session = await service.open('front', T, T + 100);
      await expect(service.segmentFile(session, 40)).resolves.toBe('r2_00040.ts');
      expect(supervisor.spawned).toHaveLength(2);
      // Off the CPU at once; stopped later if its viewer does not come back (the scheduler spec).
      expect(supervisor.spawned[0].isPaused).toBe(true);
      const args = supervisor.spawned[1].args;
      // Segment 40 starts at 79 s (a 1 s first segment, then 2 s ones). The run's list starts at
      // the file holding 79 s (the 8th, at 70 s), read from 9 s in (its in point).
      const list = args[args.indexOf('-i') + 1];
      expect(list).toMatch(/run-2\.ffconcat$/);
      expect(files.lists.get(list)).toContain("file '/rec/front/7.mp4'\ninpoint 9.000000\nduration 1.000000\n");
      expect(args[args.indexOf('-ss') + 1]).toBe('0');
      expect(args[args.indexOf('-output_ts_offset') + 1]).toBe('79');
      expect(args[args.indexOf('-segment_start_number') + 1]).toBe('40');
    });

    it('restarts at a segment behind the running encoder (a seek back)', async () => {
      const session = await service.open('front', T, T + 100);
      await service.segmentFile(session, 40);
      await expect(service.segmentFile(session, 20)).resolves.toBe('r3_00020.ts');
      expect(supervisor.spawned.map((p) => p.startIndex)).toEqual([0, 40, 20]);
    });

    it('lets parallel prefetches around a seek share one restart', async () => {
      const session = await service.open('front', T, T + 100);
      supervisor.onSpawn = (process) => setTimeout(() => [0, 1, 2, 3].forEach((i) => process.announce(process.startIndex + i)), 5);
      const files = await Promise.all([30, 31, 32, 33].map((i) => service.segmentFile(session, i)));
      expect(files).toEqual(['r2_00030.ts', 'r2_00031.ts', 'r2_00032.ts', 'r2_00033.ts']);
      expect(supervisor.spawned).toHaveLength(2);
    });

    it('does not let a far request replace a run before it has finished its first segment', async () => {
      await build({ maxRunsPerSession: 1 });
      const session = await service.open('front', T, T + 100);
      supervisor.onSpawn = () => undefined;
      const first = service.segmentFile(session, 40);
      await flush();
      const second = service.segmentFile(session, 10);
      await flush();
      expect(supervisor.spawned).toHaveLength(2);
      supervisor.onSpawn = (process) => setTimeout(() => process.announce(process.startIndex), 5);
      supervisor.spawned[1].announce(40);
      await expect(first).resolves.toBe('r2_00040.ts');
      await expect(second).resolves.toBe('r3_00010.ts');
    });

    it('ignores the cut-short segment ffmpeg closes and lists when it is stopped', async () => {
      const session = await service.open('front', T, T + 100);
      supervisor.spawned[0].announceOnStop = 1;
      await service.segmentFile(session, 40);
      expect(session.readyFile(1)).toBeUndefined();
    });

    it('never serves a file an earlier run left unfinished: it waits for the new run to finish it', async () => {
      await build({ maxRunsPerSession: 1 });
      const session = await service.open('front', T, T + 100);
      await service.segmentFile(session, 30); // run 2 from #30 finishes #30 only
      supervisor.onSpawn = () => undefined;
      const pending = service.segmentFile(session, 10); // run 3 from #10
      await flush();
      let settled = false;
      void pending.then(() => (settled = true));
      await flush();
      expect(settled).toBe(false);
      supervisor.spawned[2].announce(10);
      await expect(pending).resolves.toBe('r3_00010.ts');
    });

    it('answers 504 when the segment does not come in time, and 502 when the encoder it started dies', async () => {
      const session = await service.open('front', T, T + 100);
      supervisor.onSpawn = () => undefined;
      await expect(service.segmentFile(session, 40)).rejects.toBeInstanceOf(FirstSegmentTimeoutException);
      supervisor.spawned[1].exit(1);
      supervisor.onSpawn = (process) => setTimeout(() => process.exit(1), 5);
      await expect(service.segmentFile(session, 45)).rejects.toBeInstanceOf(TranscoderFailedException);
      expect(service.list()).toHaveLength(1);
    });

    it('restarts an encoder that was killed, at the segment asked for next', async () => {
      const session = await service.open('front', T, T + 100);
      supervisor.spawned[0].exit(137);
      await expect(service.segmentFile(session, 1)).resolves.toBe('r2_00001.ts');
    });
  });

  describe('races', () => {
    it('never pauses a run before its first segment, even when the viewer scrubs back meanwhile', async () => {
      await build({ maxRunsPerSession: 1 });
      const session = await service.open('front', T, T + 100);
      supervisor.onSpawn = () => undefined;
      const far = service.segmentFile(session, 45);
      await flush();
      const back = service.segmentFile(session, 2);
      await flush();
      expect(supervisor.spawned[1].isPaused).toBe(false);
      supervisor.onSpawn = (process) => setTimeout(() => process.announce(process.startIndex), 5);
      supervisor.spawned[1].announce(45);
      await expect(far).resolves.toBe('r2_00045.ts');
      await expect(back).resolves.toBe('r3_00002.ts');
    });

    it('does not pause the encoder short of a segment a request is waiting for', async () => {
      const session = await service.open('front', T, T + 100);
      const encoder = supervisor.spawned[0];
      // Viewer B waits for #8 (inside the wait window); viewer A is back at #0.
      const waiting = service.segmentFile(session, 8);
      await flush();
      await service.segmentFile(session, 0);
      for (let i = 1; i <= 7; i += 1) encoder.announce(i);
      expect(encoder.isPaused).toBe(false);
      encoder.announce(8);
      await expect(waiting).resolves.toBe('r1_00008.ts');
    });

    it('lets a session with the same range start only after the old one is gone (folder and all)', async () => {
      const first = await service.open('front', T, T + 100);
      supervisor.spawned[0].stopDelayMs = 50;
      const removal = service.remove(first.id);
      const second = await service.open('front', T, T + 100);
      await removal;
      expect(second).not.toBe(first);
      expect(files.events).toEqual([`create ${first.id}`, `remove ${first.id}`, `create ${first.id}`]);
    });

    it('answers 404, not a playlist, to a create whose session was deleted while it started', async () => {
      supervisor.onSpawn = (process) => setTimeout(() => process.announce(0), 30);
      const creating = service.open('front', T, T + 100);
      await flush();
      await service.remove(service.list()[0].id);
      await expect(creating).rejects.toBeInstanceOf(SessionNotFoundException);
      expect(service.list()).toEqual([]);
    });

    it('does not stop the encoder for idleness while a request is waiting for it', async () => {
      await build({ idleTimeoutSeconds: 0.05, segmentWaitTimeoutSeconds: 2 });
      const session = await service.open('front', T, T + 100);
      const waiting = service.segmentFile(session, 3);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(supervisor.spawned[0].stopped).toBe(false);
      supervisor.spawned[0].announce(1);
      supervisor.spawned[0].announce(2);
      supervisor.spawned[0].announce(3);
      await expect(waiting).resolves.toBe('r1_00003.ts');
    });

    it('starts no run before the session’s folder is made, when a segment is asked of a session opened without waiting', async () => {
      let folderMade: () => void = () => undefined;
      files.folderDelay = new Promise<void>((resolve) => (folderMade = resolve));
      const session = await service.open('front', T, T + 100, undefined, { waitForFirstSegment: false });
      const waiting = service.segmentFile(session, 5);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(supervisor.spawned).toHaveLength(0);
      expect(files.lists.size).toBe(0);
      folderMade();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(files.events).toEqual([`create ${session.id}`]);
      supervisor.spawned.at(-1)!.announce(5);
      await expect(waiting).resolves.toMatch(/_00005\.ts$/);
    });

    it('serves two viewers far apart in one session with a run each, neither restarting the other', async () => {
      const session = await service.open('front', T, T + 100);
      supervisor.onSpawn = (process) => setTimeout(() => process.announce(process.startIndex), 5);
      await service.segmentFile(session, 30);
      for (let step = 1; step <= 8; step += 1) {
        const viewerA = service.segmentFile(session, step);
        const viewerB = service.segmentFile(session, 30 + step);
        supervisor.spawned[0].announce(step);
        supervisor.spawned[1].announce(30 + step);
        await expect(Promise.all([viewerA, viewerB])).resolves.toEqual([`r1_${String(step).padStart(5, '0')}.ts`, `r2_000${30 + step}.ts`]);
      }
      expect(supervisor.spawned).toHaveLength(2);
      expect(supervisor.spawned.every((process) => process.running && !process.isPaused)).toBe(true);
    });

    it('withdraws a request whose client went away: the seek after it starts exactly one run', async () => {
      const session = await service.open('front', T, T + 100);
      supervisor.onSpawn = (process) => setTimeout(() => process.announce(process.startIndex), 5);
      for (let i = 1; i <= 7; i += 1) supervisor.spawned[0].announce(i);
      const client = new AbortController();
      const aborted = service.segmentFile(session, 8, client.signal);
      await flush();
      client.abort();
      await expect(aborted).rejects.toBeInstanceOf(RequestWithdrawnException);
      await expect(service.segmentFile(session, 40)).resolves.toBe('r2_00040.ts');
      const next = service.segmentFile(session, 41);
      await flush();
      supervisor.spawned[1].announce(41);
      await expect(next).resolves.toBe('r2_00041.ts');
      await flush();
      expect(supervisor.spawned.map((process) => process.startIndex)).toEqual([0, 40]);
    });

    it('answers 502 instead of restarting in a loop when a run ends without listing the segment it started at', async () => {
      const session = await service.open('front', T, T + 100);
      supervisor.onSpawn = (process) => setTimeout(() => process.exit(0), 5);
      await expect(service.segmentFile(session, 20)).rejects.toBeInstanceOf(TranscoderFailedException);
      expect(supervisor.spawned).toHaveLength(2);
    });

    it("takes a run's first listed segment as the one it started at (ffmpeg lists its start as 0), the next ones by their start", async () => {
      const session = await service.open('front', T, T + 100);
      supervisor.onSpawn = (process) =>
        setTimeout(() => {
          process.segmentLines.next(`${process.runPrefix}00020.ts,0.000000,41.000000`);
          // A start a few ms off the plan (rounding) still names segment 21.
          process.segmentLines.next(`${process.runPrefix}00021.ts,40.999500,43.000000`);
        }, 5);
      await expect(service.segmentFile(session, 20)).resolves.toBe('r2_00020.ts');
      await expect(service.segmentFile(session, 21)).resolves.toBe('r2_00021.ts');
      expect(supervisor.spawned).toHaveLength(2);
    });
  });

  describe('work follows the viewer', () => {
    it('pauses the encoder LOOKAHEAD_SECONDS ahead of the viewer and resumes it as the viewer advances', async () => {
      const session = await service.open('front', T, T + 100);
      const encoder = supervisor.spawned[0];
      for (let i = 1; i <= 4; i += 1) encoder.announce(i);
      expect(encoder.isPaused).toBe(false);
      encoder.announce(5);
      expect(encoder.isPaused).toBe(true);
      await service.segmentFile(session, 2);
      expect(encoder.isPaused).toBe(false);
      encoder.announce(6);
      encoder.announce(7);
      expect(encoder.isPaused).toBe(true);
    });

    it('lowers the encoder to the lowest priority once it is comfortably (12 s) ahead, and raises it as the viewer catches up', async () => {
      await build({ lookaheadSeconds: 60 });
      const session = await service.open('front', T, T + 100);
      const encoder = supervisor.spawned[0];
      for (let i = 1; i <= 5; i += 1) encoder.announce(i);
      expect(encoder.niceness).toBe(10);
      encoder.announce(6);
      expect(encoder.niceness).toBe(19);
      await service.segmentFile(session, 3);
      expect(encoder.niceness).toBe(10);
    });

    it('stops the encoder after IDLE_TIMEOUT_SECONDS without a request, and a later request resumes the session', async () => {
      await build({ idleTimeoutSeconds: 0.05 });
      const session = await service.open('front', T, T + 100);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(supervisor.spawned[0].stopped).toBe(true);
      expect(service.list()).toHaveLength(1);
      await expect(service.segmentFile(session, 0)).resolves.toBe('r1_00000.ts');
      await expect(service.segmentFile(session, 1)).resolves.toBe('r2_00001.ts');
    });
  });

  describe('start-up failures', () => {
    it('answers 504 when no first segment comes within SEGMENT_WAIT_TIMEOUT_SECONDS and removes the session', async () => {
      supervisor.onSpawn = () => undefined;
      await expect(service.open('front', T, T + 100)).rejects.toBeInstanceOf(FirstSegmentTimeoutException);
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

  describe('hardware encoder fallback', () => {
    const hardwareFails = (process: FakeProcess) =>
      setTimeout(() => (process.args.includes('h264_vaapi') ? process.exit(1) : process.announce(process.startIndex)), 5);

    it('uses the hardware encoder when it works, and reports no degradation', async () => {
      await build({ hwaccel: 'vaapi', hwaccelDevice: '/dev/dri/renderD128' });
      await service.open('front', T, T + 100);
      expect(supervisor.spawned).toHaveLength(1);
      expect(supervisor.spawned[0].args).toContain('h264_vaapi');
      expect(service.encoderStatus()).toEqual({ hwaccel: 'vaapi', encoder: 'h264_vaapi', degraded: false });
    });

    it('retries a session in software when its hardware run ends before its first segment, and reports the degradation', async () => {
      await build({ hwaccel: 'vaapi', hwaccelDevice: '/dev/dri/renderD128' });
      supervisor.onSpawn = hardwareFails;
      const session = await service.open('front', T, T + 100);
      expect(supervisor.spawned.map((p) => p.args.includes('libx264'))).toEqual([false, true]);
      expect(session.readyFile(0)).toBeDefined();
      expect(service.encoderStatus()).toMatchObject({ hwaccel: 'vaapi', encoder: 'libx264', degraded: true, reason: 'exit code 1: boom' });
      // The session stays in software: a seek restarts it with libx264, not with the GPU.
      await service.segmentFile(session, 40);
      expect(supervisor.spawned.at(-1)!.args).toContain('libx264');
    });

    it('starts new sessions in software while the hardware is degraded, and tries the GPU again later', async () => {
      await build({ hwaccel: 'vaapi', hwaccelDevice: '/dev/dri/renderD128', maxConcurrentTranscodes: 3 });
      supervisor.onSpawn = hardwareFails;
      await service.open('front', T, T + 100);
      const spawnedBefore = supervisor.spawned.length;
      await service.open('back', T, T + 100);
      expect(supervisor.spawned.slice(spawnedBefore).map((p) => p.args.includes('libx264'))).toEqual([true]);
      clock.value += HARDWARE_RETRY_AFTER_MS;
      supervisor.onSpawn = (process) => setTimeout(() => process.announce(process.startIndex), 5);
      await service.open('side', T, T + 100);
      expect(supervisor.spawned.at(-1)!.args).toContain('h264_vaapi');
      expect(service.encoderStatus().degraded).toBe(false);
    });

    it('does not blame the hardware when the software run fails too (a broken recording): 502', async () => {
      await build({ hwaccel: 'vaapi', hwaccelDevice: '/dev/dri/renderD128' });
      supervisor.onSpawn = (process) => setTimeout(() => process.exit(1), 5);
      await expect(service.open('front', T, T + 100)).rejects.toBeInstanceOf(TranscoderFailedException);
      expect(supervisor.spawned.map((p) => p.args.includes('libx264'))).toEqual([false, true]);
      expect(service.encoderStatus().degraded).toBe(false);
    });

    it('never touches a GPU without FFMPEG_HWACCEL', async () => {
      supervisor.onSpawn = (process) => setTimeout(() => process.exit(1), 5);
      await expect(service.open('front', T, T + 100)).rejects.toBeInstanceOf(TranscoderFailedException);
      expect(supervisor.spawned).toHaveLength(1);
      expect(service.encoderStatus()).toEqual({ hwaccel: 'none', encoder: 'libx264', degraded: false });
    });
  });

  describe('disk budget', () => {
    const name = (index: number) => `r1_${String(index).padStart(5, '0')}.ts`;
    /** The session's encoder finishes segments [from, to); each is 1000 bytes (FakeFiles.fileSize). */
    const store = (session: TranscodeSession, from: number, to: number) => {
      const process = supervisor.spawned.find((p) => p.running && p.args.some((arg) => arg.includes(session.id)))!;
      for (let index = from; index < to; index += 1) process.announce(index);
    };

    it('deletes segments far behind the viewer first, keeping 60 s behind for a seek back while it can, and holds the ceiling', async () => {
      await build({ maxDiskBytes: 40_000, lookaheadSeconds: 1000 });
      const session = await service.open('front', T, T + 100);
      store(session, 1, 40);
      await flush();
      // The viewer is now at segment 39; what it asked for a while ago is forgotten.
      clock.value += 31_000;
      await service.segmentFile(session, 39);
      store(session, 40, 50);
      await flush();
      // 50 kB over a 40 kB budget: what is more than 30 segments (60 s) behind 39 goes first (0..8),
      // then, to hold the 40 kB ceiling, the segment furthest from the viewer (9).
      expect(files.removedFiles.sort()).toEqual(Array.from({ length: 10 }, (_, i) => name(i)));
      expect(session.readyFile(9)).toBeUndefined();
      expect(session.readyFile(10)).toBe(name(10));
      expect(service.diskUsageBytes()).toBe(40_000);
    });

    it('makes a deleted segment again when a viewer seeks back to it', async () => {
      await build({ maxDiskBytes: 40_000, lookaheadSeconds: 1000 });
      const session = await service.open('front', T, T + 100);
      store(session, 1, 40);
      await flush();
      clock.value += 31_000;
      await service.segmentFile(session, 39);
      store(session, 40, 50);
      await flush();
      const spawned = supervisor.spawned.length;
      await service.segmentFile(session, 2);
      expect(supervisor.spawned.length).toBe(spawned + 1);
      expect(supervisor.spawned.at(-1)!.startIndex).toBe(2);
    });

    it('evicts the idle session unrequested the longest to make room for a new one', async () => {
      await build({ maxDiskBytes: 40_000, maxConcurrentTranscodes: 4, lookaheadSeconds: 1000 });
      const old = await service.open('front', T, T + 100);
      store(old, 1, 20);
      clock.value += 10_000;
      const newer = await service.open('back', T, T + 100);
      store(newer, 1, 19);
      clock.value += 40_000;
      await service.open('side', T, T + 100);
      expect(old.alive).toBe(false);
      expect(newer.alive).toBe(true);
      expect(
        service
          .list()
          .map((session) => session.camera)
          .sort(),
      ).toEqual(['back', 'side']);
    });

    it('answers 507 to a new session when sessions being watched fill the budget', async () => {
      await build({ maxDiskBytes: 40_000, maxConcurrentTranscodes: 4, lookaheadSeconds: 1000 });
      const watched = await service.open('front', T, T + 100);
      store(watched, 1, 38);
      await service.segmentFile(watched, 37);
      await expect(service.open('back', T, T + 100)).rejects.toBeInstanceOf(InsufficientStorageException);
      expect(watched.alive).toBe(true);
      expect(supervisor.spawned).toHaveLength(1);
    });

    it('answers 507 when the filesystem itself is nearly full, whatever the budget', async () => {
      await build();
      files.freeBytesValue = 10 * 1024 * 1024;
      const refused = service.open('front', T, T + 100);
      await expect(refused).rejects.toBeInstanceOf(InsufficientStorageException);
      await expect(refused).rejects.toThrow(/MiB free/);
    });
  });

  describe('cleanup by last access', () => {
    it('removes sessions idle past the TTL and keeps those requested since', async () => {
      const watched = await service.open('front', T, T + 100);
      const idle = await service.open('back', T, T + 100);
      clock.value += 45_000;
      service.access(watched.id);
      clock.value += 30_000;
      expect(await service.removeStaleSessions()).toBe(1);
      expect(service.list().map((s) => s.id)).toEqual([watched.id]);
      expect(files.removed).toEqual([idle.id]);
    });

    it('does not count the encoder still writing files as an access', async () => {
      await service.open('front', T, T + 100);
      clock.value += 61_000;
      supervisor.spawned[0].announce(1);
      expect(await service.removeStaleSessions()).toBe(1);
      expect(service.list()).toEqual([]);
    });
  });

  it('hands out frozen snapshots of its sessions, never the sessions themselves; a later change shows in the next snapshot', async () => {
    const opened = await service.engine.open('front', T, T + 100, 'user:alice', { waitForFirstSegment: false });
    const handedOut = [opened, service.engine.localSession(opened.id)!, ...service.engine.list()];
    expect(handedOut.map((snapshot) => [snapshot instanceof TranscodeSession, Object.isFrozen(snapshot), Object.isFrozen(snapshot.variant)])).toEqual([
      [false, true, true],
      [false, true, true],
      [false, true, true],
    ]);
    expect(() => ((opened as { state: string }).state = 'stopped')).toThrow(TypeError);
    await service.segmentFile(service.access(opened.id), 0);
    expect({ before: opened.state, after: service.engine.localSession(opened.id)!.state, ready: service.engine.list()[0].readyCount }).toEqual({
      before: 'opened',
      after: 'active',
      ready: 1,
    });
    await service.remove(opened.id);
    expect(service.engine.localSession(opened.id)).toBeUndefined();
  });

  it('stops every encoder before the application shuts down', async () => {
    await service.open('front', T, T + 100);
    await service.open('back', T, T + 100);
    await service.beforeApplicationShutdown();
    expect(supervisor.spawned.every((p) => p.stopped)).toBe(true);
    expect(service.list()).toEqual([]);
  });
});
