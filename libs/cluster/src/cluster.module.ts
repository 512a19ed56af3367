import { Module } from '@nestjs/common';
import { STREAM_TOKEN_KEY_SOURCE, StreamTokenKeySource } from '@app/auth';
import { CLUSTER_SESSION_ROUTING } from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterConfigurableModule, ClusterModuleOptions } from './cluster.module-definition';
import { ClusterInternalController } from './cluster-internal.controller';
import { ClusterKeyGuard } from './cluster-key.guard';
import { ClusterInternalServer } from './cluster-internal.server';
import { ClusterNodeService } from './cluster-node.service';
import { ClusterSessionRouting } from './cluster-session.routing';
import { InMemorySessionRegistry } from './in-memory-session.registry';
import { PeerNodeClient } from './peer-node.client';
import { RedisSessionRegistry } from './redis-session.registry';
import { SESSION_REGISTRY, SessionRegistry } from './session-registry';
import { SessionOwnership } from './session-ownership';
import { StaleRecordCleanupJob } from './stale-record-cleanup.job';

/**
 * Several nodes as one service, on Redis (REDIS_URL): a shared session registry, requests
 * routed to the node that runs a session, new sessions placed where there is room, a dead
 * node's sessions taken over. Without Redis the registry is in memory and this node is the
 * whole service. Needs TranscodeModule registered globally.
 */
@Module({
  controllers: [ClusterInternalController],
  providers: [
    {
      provide: SESSION_REGISTRY,
      inject: [CLUSTER_MODULE_OPTIONS],
      useFactory: (options: ClusterModuleOptions): SessionRegistry =>
        options.redisUrl ? new RedisSessionRegistry(options.redisUrl) : new InMemorySessionRegistry(),
    },
    SessionOwnership,
    ClusterSessionRouting,
    { provide: CLUSTER_SESSION_ROUTING, useExisting: ClusterSessionRouting },
    // In a cluster, stream tokens are signed with a key the nodes share through Redis (a token
    // issued by one node plays on any); one node keeps its own (AuthModule's key file).
    {
      provide: STREAM_TOKEN_KEY_SOURCE,
      inject: [SESSION_REGISTRY],
      useFactory: (registry: SessionRegistry): StreamTokenKeySource | null => (registry.shared ? { load: () => registry.sharedKey('stream-token') } : null),
    },
    ClusterNodeService,
    PeerNodeClient,
    ClusterKeyGuard,
    ClusterInternalServer,
    StaleRecordCleanupJob,
  ],
  exports: [STREAM_TOKEN_KEY_SOURCE, CLUSTER_SESSION_ROUTING, SESSION_REGISTRY, CLUSTER_MODULE_OPTIONS, ClusterNodeService],
})
export class ClusterModule extends ClusterConfigurableModule {}
