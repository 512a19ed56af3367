import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { createHmac } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidSettingError, SHARED_SECRET_MIN_LENGTH, validateEnvironment } from '@app/common';
import type { ClusterModuleOptions } from './cluster.module-definition';

const HTTP_URL = /^https?:\/\/[^\s/?#]+\/?$/;

class ClusterEnvironment {
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  // The node settings only matter (and are only checked) in a cluster.
  @ValidateIf((env: ClusterEnvironment) => !!env.REDIS_URL && env.NODE_ID !== undefined)
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'must be 1-64 letters, digits, dots, colons, underscores or hyphens' })
  NODE_ID?: string;

  @ValidateIf((env: ClusterEnvironment) => !!env.REDIS_URL && env.NODE_URL !== undefined)
  @Matches(HTTP_URL, { message: 'must be the http(s) address other nodes reach this one at, e.g. http://10.0.0.5:3000' })
  NODE_URL?: string;

  @IsOptional()
  @IsString()
  CLUSTER_SECRET?: string;

  @ValidateIf((env: ClusterEnvironment) => !!env.REDIS_URL)
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(300)
  NODE_TIMEOUT_SECONDS: number = 6;
}

/** The cluster's own settings; the app adds the capacity, TTL and timeout from the transcode settings. */
export type ClusterSettings = Pick<ClusterModuleOptions, 'redisUrl' | 'nodeId' | 'nodeUrl' | 'clusterKey' | 'nodeTimeoutSeconds'>;

/**
 * The `cluster` settings: REDIS_URL turns clustering on, and then NODE_URL and a shared secret
 * (CLUSTER_SECRET, or else JWT_SECRET) are required. The key the nodes sign their requests with
 * is derived from the secret, never the secret itself. The secret is held to the same length as
 * JWT_SECRET, whichever stands for it: anyone who reaches the internal port and sees one signed
 * request could otherwise guess a short one offline, and with AUTH_DISABLED nothing else checks
 * JWT_SECRET.
 */
export function readClusterSettings(env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const settings = validateEnvironment(ClusterEnvironment, env);
  if (!settings.REDIS_URL) return { nodeId: 'local', nodeTimeoutSeconds: 6 };
  if (!settings.NODE_URL) {
    throw new InvalidSettingError('Invalid setting NODE_URL: required when REDIS_URL is set (the address other nodes reach this one at)');
  }
  const secret = settings.CLUSTER_SECRET || env.JWT_SECRET;
  if (!secret) {
    throw new InvalidSettingError('Invalid setting CLUSTER_SECRET: required when REDIS_URL is set (or set JWT_SECRET, shared by every node)');
  }
  if (secret.length < SHARED_SECRET_MIN_LENGTH) {
    // Named, never echoed.
    const name = settings.CLUSTER_SECRET ? 'CLUSTER_SECRET' : 'JWT_SECRET';
    const standsIn = settings.CLUSTER_SECRET ? '' : ', as it stands in for CLUSTER_SECRET';
    throw new InvalidSettingError(
      `Invalid setting ${name}: must be at least ${SHARED_SECRET_MIN_LENGTH} characters with REDIS_URL${standsIn} (openssl rand -hex 32); the nodes' signatures would let a shorter one be guessed`,
    );
  }
  const nodeUrl = settings.NODE_URL.replace(/\/+$/, '');
  // The nodes' own routes listen on NODE_URL's port, apart from the public one.
  const internalPort = Number(new URL(nodeUrl).port) || (nodeUrl.startsWith('https:') ? 443 : 80);
  if (internalPort === Number(env.PORT ?? 3000)) {
    throw new InvalidSettingError(
      `Invalid setting NODE_URL=${JSON.stringify(nodeUrl)}: its port is where the nodes' own routes listen, and must not be PORT (${internalPort}); e.g. PORT=3000, NODE_URL=http://10.0.0.5:3001`,
    );
  }
  return {
    redisUrl: settings.REDIS_URL,
    nodeUrl,
    nodeId: settings.NODE_ID ?? `${hostname()}-${new URL(nodeUrl).port || 'default'}`,
    clusterKey: createHmac('sha256', secret).update('nvr-transcoder cluster key v1').digest('base64url'),
    nodeTimeoutSeconds: settings.NODE_TIMEOUT_SECONDS,
  };
}

/** The `cluster` settings namespace, validated at start. */
export const clusterConfig = registerAs('cluster', (): ClusterSettings => readClusterSettings());
