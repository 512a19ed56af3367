import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Subscription } from 'rxjs';
import { SESSION_REGISTRY, SessionRegistry } from '@app/cluster';
import {
  DiskBudgetService,
  EncoderSelector,
  SESSION_ENGINE,
  SegmentWaitOutcome,
  SessionEngine,
  SessionRejectionReason,
  SessionRemovalReason,
  TranscodeEvent,
  TranscodeEvents,
} from '@app/transcode';
import { httpMethodOf, httpRouteOf, httpStatusOf } from './http-request-labels';
import { METRICS_PREFIX, MetricsRegistry } from './metrics.registry';

/** Every reason a new session is refused, every reason one goes, every end of a segment wait: their series exist from the start. */
const REJECTION_REASONS: readonly SessionRejectionReason[] = ['concurrency_limit', 'user_limit', 'rate_limit', 'disk_full'];
const REMOVAL_REASONS: readonly SessionRemovalReason[] = ['stale', 'evicted', 'deleted', 'failed', 'shutdown'];
const SEGMENT_WAIT_OUTCOMES: readonly SegmentWaitOutcome[] = ['served', 'timeout', 'failed', 'withdrawn'];
/** How long a scrape waits for the cluster's registry before it leaves the nodes gauge out. */
const REGISTRY_ANSWER_MS = 2000;

/** What a session is doing, as the sessions gauge labels it. */
export type SessionActivity = 'opened' | 'starting' | 'encoding' | 'paused' | 'idle';

/**
 * The transcoding metrics: counters and histograms fed by TranscodeEvents as things happen,
 * gauges read from the session service when Prometheus scrapes.
 */
@Injectable()
export class TranscodeMetrics implements OnModuleDestroy {
  private readonly subscription: Subscription;
  private readonly ffmpegStarts: Counter<'encoder'>;
  private readonly ffmpegRestarts: Counter<'encoder'>;
  private readonly ffmpegFailures: Counter<'encoder'>;
  private readonly firstSegment: Histogram;
  private readonly encodeSpeed: Histogram;
  private readonly rejected: Counter<'reason'>;
  private readonly removed: Counter<'reason'>;
  private readonly proxied: Counter;
  private readonly takenOver: Counter;
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  private readonly segmentWait: Histogram<'outcome'>;

  constructor(
    registry: MetricsRegistry,
    events: TranscodeEvents,
    @Inject(SESSION_ENGINE) sessions: SessionEngine,
    disk: DiskBudgetService,
    encoders: EncoderSelector,
    // The cluster's registry, when ClusterModule is there: without it this node is the whole service.
    @Optional() @Inject(SESSION_REGISTRY) clusterRegistry: SessionRegistry | null,
  ) {
    const registers = [registry];
    new Gauge({
      name: `${METRICS_PREFIX}sessions`,
      help: 'Transcode sessions by what they are doing (opened: no segment asked yet, nothing running; idle: no encoder running)',
      labelNames: ['state'],
      registers,
      collect() {
        const counts: Record<SessionActivity, number> = { opened: 0, starting: 0, encoding: 0, paused: 0, idle: 0 };
        for (const session of sessions.list()) {
          if (!session.alive) continue;
          const activity = session.encoderActivity;
          const state: SessionActivity =
            session.state === 'opened' || session.state === 'starting' ? session.state : activity === 'stopped' ? 'idle' : activity;
          counts[state] += 1;
        }
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: `${METRICS_PREFIX}transcode_dir_bytes`,
      help: 'Bytes of finished segments in TRANSCODE_DIR, and the room reserved for exports',
      registers,
      collect() {
        this.set(disk.usageBytes());
      },
    });
    new Gauge({
      name: `${METRICS_PREFIX}transcode_dir_limit_bytes`,
      help: 'The ceiling of TRANSCODE_DIR (TRANSCODE_MAX_DISK_MB in bytes); 0 when there is none',
      registers,
      collect() {
        this.set(disk.ceilingBytes());
      },
    });
    new Gauge({
      name: `${METRICS_PREFIX}hardware_encoder_degraded`,
      help: '1 while the hardware encoder has failed and new sessions fall back to software (as /health says), else 0',
      registers,
      collect() {
        this.set(encoders.status().degraded ? 1 : 0);
      },
    });
    new Gauge({
      name: `${METRICS_PREFIX}cluster_nodes`,
      help: 'Live nodes this node sees in the cluster registry, itself included; 1 without a cluster',
      registers,
      async collect() {
        if (!clusterRegistry?.shared) return this.set(1);
        try {
          this.set((await withDeadline(clusterRegistry.liveNodes(), REGISTRY_ANSWER_MS)).length);
        } catch {
          // Redis not answering: no value rather than a stale one (the scrape itself goes on).
          this.reset();
        }
      },
    });
    this.ffmpegStarts = new Counter({
      name: `${METRICS_PREFIX}ffmpeg_starts_total`,
      help: 'ffmpeg runs started (first runs and restarts)',
      labelNames: ['encoder'],
      registers,
    });
    this.ffmpegRestarts = new Counter({
      name: `${METRICS_PREFIX}ffmpeg_restarts_total`,
      help: 'ffmpeg runs started after the first of their session (seeks, resumes, crashes, fallbacks)',
      labelNames: ['encoder'],
      registers,
    });
    this.ffmpegFailures = new Counter({
      name: `${METRICS_PREFIX}ffmpeg_failures_total`,
      help: 'ffmpeg runs that ended with an error without being asked to stop',
      labelNames: ['encoder'],
      registers,
    });
    this.firstSegment = new Histogram({
      name: `${METRICS_PREFIX}time_to_first_segment_seconds`,
      help: "From a session's first segment request (the create's own, for the API) to that segment being playable",
      buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
      registers,
    });
    this.encodeSpeed = new Histogram({
      name: `${METRICS_PREFIX}encode_speed_ratio`,
      help: 'Encode speed of running ffmpeg processes relative to real time, sampled between progress reports',
      buckets: [0.5, 1, 1.5, 2, 3, 5, 8, 13, 21, 34],
      registers,
    });
    this.rejected = new Counter({
      name: `${METRICS_PREFIX}rejected_sessions_total`,
      help: 'New sessions refused: concurrency_limit, rate_limit and user_limit are 429s, disk_full a 507',
      labelNames: ['reason'],
      registers,
    });
    this.removed = new Counter({
      name: `${METRICS_PREFIX}sessions_removed_total`,
      help: 'Sessions removed: stale (TTL cleanup), evicted (disk budget), deleted (DELETE), failed, shutdown',
      labelNames: ['reason'],
      registers,
    });
    this.proxied = new Counter({
      name: `${METRICS_PREFIX}proxied_requests_total`,
      help: 'Requests answered by proxying them to the node that runs their session (a cluster)',
      registers,
    });
    this.takenOver = new Counter({
      name: `${METRICS_PREFIX}sessions_taken_over_total`,
      help: 'Sessions this node took over from a node that died (a cluster)',
      registers,
    });
    this.httpRequests = new Counter({
      name: `${METRICS_PREFIX}http_requests_total`,
      help: 'HTTP answers by route (a fixed set), method and status code (aborted: cut before the answer was whole), the front door and the cluster routes included',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.segmentWait = new Histogram({
      name: `${METRICS_PREFIX}segment_wait_seconds`,
      help: 'How long a segment request waited for a segment not yet made, by how it ended (served, timeout: 504, failed, withdrawn: the client went away)',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30],
      registers,
    });
    for (const reason of REJECTION_REASONS) this.rejected.inc({ reason }, 0);
    for (const reason of REMOVAL_REASONS) this.removed.inc({ reason }, 0);
    for (const outcome of SEGMENT_WAIT_OUTCOMES) this.segmentWait.zero({ outcome });
    this.subscription = events.events$.subscribe((event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  private record(event: TranscodeEvent): void {
    switch (event.type) {
      case 'encoder-started':
        this.ffmpegStarts.inc({ encoder: event.encoder });
        if (event.restart) this.ffmpegRestarts.inc({ encoder: event.encoder });
        break;
      case 'encoder-failed':
        this.ffmpegFailures.inc({ encoder: event.encoder });
        break;
      case 'first-segment':
        this.firstSegment.observe(event.seconds);
        break;
      case 'encode-speed':
        this.encodeSpeed.observe(event.speed);
        break;
      case 'session-rejected':
        this.rejected.inc({ reason: event.reason });
        break;
      case 'session-removed':
        this.removed.inc({ reason: event.reason });
        break;
      case 'request-proxied':
        this.proxied.inc();
        break;
      case 'session-taken-over':
        this.takenOver.inc();
        break;
      case 'segment-waited':
        this.segmentWait.observe({ outcome: event.outcome }, event.seconds);
        break;
      case 'http-answered':
        this.httpRequests.inc({
          route: httpRouteOf(event.door, event.method, event.path),
          method: httpMethodOf(event.method),
          status: httpStatusOf(event.status),
        });
        break;
    }
  }
}

/** `promise`, or a rejection once `ms` have passed without its answer. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
