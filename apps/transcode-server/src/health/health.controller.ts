import { Controller, Get, Inject, Optional, Req, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { AuthenticatedRequest, OptionalAuthenticationGuard } from '@app/auth';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions, SESSION_REGISTRY, SessionRegistry } from '@app/cluster';
import { RECORDING_SOURCE, RecordingSource } from '@app/recordings';
import { FfmpegHealth, SessionFilesStore } from '@app/transcode';
import { HealthReport, publicHealthReport } from './public-health-report';
import { ShutdownState } from './shutdown-state';

/** For operators and orchestrators: 200 when the service can transcode, 503 with the reason when not. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly ffmpeg: FfmpegHealth,
    private readonly transcodeDir: SessionFilesStore,
    @Inject(RECORDING_SOURCE) private readonly recordings: RecordingSource,
    private readonly shutdown: ShutdownState,
    @Optional() @Inject(SESSION_REGISTRY) private readonly registry?: SessionRegistry,
    @Optional() @Inject(CLUSTER_MODULE_OPTIONS) private readonly cluster?: ClusterModuleOptions,
  ) {}

  @Get()
  @HealthCheck()
  @UseGuards(OptionalAuthenticationGuard)
  @ApiOperation({
    summary: 'ffmpeg runs, the transcode dir is writable with free space, recordings are readable',
    description:
      'Open to anyone, with each check’s status only. With an admin token (or AUTH_DISABLED) it says why: the `encoder` entry names the encoder in use; `degraded: true` means the hardware encoder failed and sessions run in software.',
  })
  @ApiServiceUnavailableResponse({ description: 'At least one check failed; the body says which' })
  async check(@Req() request: AuthenticatedRequest) {
    // A load balancer must stop sending viewers here as soon as shutdown begins.
    if (this.shutdown.isShuttingDown) {
      throw new ServiceUnavailableException({ status: 'shutting_down', message: 'Shutting down' });
    }
    // The detail (internal URLs, paths, ffmpeg's stderr) is for operators: an admin's token.
    const shown = (report: HealthReport) => (request.user?.roles.includes('admin') ? report : publicHealthReport(report));
    try {
      return shown((await this.health.check(this.checks())) as HealthReport);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const report = error.getResponse() as HealthReport & { error?: Record<string, Record<string, unknown>> };
      throw new ServiceUnavailableException(shown({ ...report, message: `Unhealthy: ${Object.keys(report.error ?? {}).join(', ') || 'unknown'}` }));
    }
  }

  private checks() {
    return [
      () => this.probe('ffmpeg', () => this.ffmpeg.checkCached()),
      () =>
        this.probe('transcode_dir', async () => {
          const { freeBytes } = await this.transcodeDir.checkStorage();
          return { freeMiB: Math.floor(freeBytes / 1048576) };
        }),
      () => this.probe('recordings', () => this.recordings.checkReadable()),
      // Up even when degraded: the software fallback serves; the report says so and why.
      () => this.probe('encoder', async () => ({ ...this.ffmpeg.encoderStatus() })),
      // Up even when Redis is away: each node still serves its own sessions, and a health check
      // that failed on every node at once would take the whole service out of its load balancer.
      () => this.probe('cluster', () => this.clusterStatus()),
    ];
  }

  private async clusterStatus(): Promise<Record<string, unknown>> {
    if (!this.registry?.shared) return { mode: 'single node' };
    const nodes = await this.registry.liveNodes().catch(() => null);
    return nodes
      ? { mode: 'redis', node: this.cluster?.nodeId, liveNodes: nodes.map((node) => node.id).sort() }
      : { mode: 'redis', node: this.cluster?.nodeId, registry: 'unavailable: serving this node’s own sessions only' };
  }

  private async probe(key: string, check: () => Promise<void | Record<string, unknown>>) {
    const indicator = this.indicators.check(key);
    try {
      return indicator.up((await check()) ?? {});
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
