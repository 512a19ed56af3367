import { LocalSessionRouting, SessionEngine, TranscodeEvents } from '@app/transcode';
import { ClusterModuleOptions } from './cluster.module-definition';
import { ClusterSessionRouting } from './cluster-session.routing';
import { PeerNodeClient } from './peer-node.client';
import { RegistryUnavailableException, SessionOwnership } from './session-ownership';
import { SessionRegistry } from './session-registry';

describe('ClusterSessionRouting.describe', () => {
  it('is 503 when the registry cannot be read, never "no such session" (access is decided from it)', async () => {
    const options = { nodeId: 'me', nodeTimeoutSeconds: 3 } as ClusterModuleOptions;
    const registry = { shared: true, get: () => Promise.reject(new Error('ECONNREFUSED')), onReady: () => undefined } as unknown as SessionRegistry;
    const engine = { localSession: () => undefined } as unknown as SessionEngine;
    const events = new TranscodeEvents();
    const routing = new ClusterSessionRouting(
      options,
      registry,
      engine,
      {} as PeerNodeClient,
      new SessionOwnership(options, registry, engine, events),
      events,
      {} as LocalSessionRouting,
    );
    await expect(routing.describe('a'.repeat(32))).rejects.toBeInstanceOf(RegistryUnavailableException);
  });
});
