import { LocalSessionRouting, SessionEngine, TranscodeEvents } from '@app/transcode';
import { ClusterModuleOptions } from './cluster.module-definition';
import { ClusterSessionRouting } from './cluster-session.routing';
import { PeerNodeClient } from './peer-node.client';
import { RegistryUnavailableException, SessionOwnership } from './session-ownership';
import { SessionRecord, SessionRegistry } from './session-registry';

const SESSION_ID = 'a'.repeat(32);
/** NODE_TIMEOUT_SECONDS 3: a beat every second; the registry is read again 1.25 s after it (re)connected. */
const options = { nodeId: 'me', nodeTimeoutSeconds: 3 } as ClusterModuleOptions;
const record = { id: SESSION_ID, owner: 'other', camera: 'garage', durationSeconds: 60 } as SessionRecord;

/** A routing over a registry whose `get` answers `reads` in turn; `connectedAgoMs`: when Redis last (re)connected, if it did. */
function routingOver(reads: (SessionRecord | null | Error)[], connectedAgoMs: number | null) {
  let onReady = () => undefined as void;
  const get = jest.fn(async () => {
    const read = reads.length > 1 ? reads.shift()! : reads[0];
    if (read instanceof Error) throw read;
    return read;
  });
  const registry = { shared: true, get, onReady: (listener: () => void) => (onReady = listener) } as unknown as SessionRegistry;
  const engine = { localSession: () => undefined } as unknown as SessionEngine;
  const events = new TranscodeEvents();
  const ownership = new SessionOwnership(options, registry, engine, events);
  if (connectedAgoMs !== null) {
    jest.setSystemTime(Date.now() - connectedAgoMs);
    onReady();
    jest.setSystemTime(Date.now() + connectedAgoMs);
  }
  const routing = new ClusterSessionRouting(options, registry, engine, {} as PeerNodeClient, ownership, events, {} as LocalSessionRouting);
  return { routing, get };
}

describe('ClusterSessionRouting.describe (what the camera check reads)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('is 503 when the registry cannot be read, never "no such session" (access is decided from it)', async () => {
    const { routing } = routingOver([new Error('ECONNREFUSED')], null);
    await expect(routing.describe(SESSION_ID)).rejects.toBeInstanceOf(RegistryUnavailableException);
  });

  it.each<[string, (SessionRecord | null)[], number | null, string | undefined, number]>([
    ['a record: its camera, read once', [record], null, 'garage', 1],
    ['no record, Redis not reconnected since start-up: no such session, read once', [null, record], null, undefined, 1],
    ['no record, Redis reconnected 5 s ago (every node has beaten since): no such session, read once', [null, record], 5000, undefined, 1],
    ['no record just after Redis came back, written back by its owner’s next beat: found', [null, record], 200, 'garage', 2],
    ['no record just after Redis came back, nor after every node has beaten: no such session', [null, null], 200, undefined, 2],
  ])('%s', async (_name, reads, connectedAgoMs, camera, timesRead) => {
    const { routing, get } = routingOver(reads, connectedAgoMs);
    const described = routing.describe(SESSION_ID);
    await jest.advanceTimersByTimeAsync(2000);
    expect((await described)?.camera).toBe(camera);
    expect(get).toHaveBeenCalledTimes(timesRead);
  });
});
