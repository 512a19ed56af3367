import { rootModuleBuilder } from '@app/common';

export interface ClusterModuleOptions {
  /** Redis of the cluster; without it the registry is in memory and this node is the whole service. */
  redisUrl?: string;
  /** This node's name in the registry (unique in the cluster). */
  nodeId: string;
  /** This node's address as other nodes reach it (required with Redis). */
  nodeUrl?: string;
  /** Shared by the nodes: authenticates their requests to each other. */
  clusterKey?: string;
  /** A node without a heartbeat for this long is dead (its sessions are taken over). */
  nodeTimeoutSeconds: number;
  /** Encoders this node may run (its MAX_CONCURRENT_TRANSCODES). */
  capacity: number;
  /** A session nobody asked for this long is stale (TRANSCODE_TTL_SECONDS). */
  sessionTtlSeconds: number;
  /** How long a node waits for another to make a segment or start a session (then 504). */
  requestTimeoutSeconds: number;
  /** The address the nodes' own routes listen on (all by default), as every port of the app (BIND_ADDRESS). */
  host?: string;
}

export const { ConfigurableModuleClass: ClusterConfigurableModule, MODULE_OPTIONS_TOKEN: CLUSTER_MODULE_OPTIONS } =
  rootModuleBuilder<ClusterModuleOptions>().build();
