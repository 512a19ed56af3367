import { createServer } from 'node:net';
import { ClusterModuleOptions } from './cluster.module-definition';
import { PeerNodeClient, PeerUnreachableError } from './peer-node.client';

const options = { clusterKey: 'k', requestTimeoutSeconds: 5 } as ClusterModuleOptions;

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('PeerNodeClient: when a peer counts as down', () => {
  const client = new PeerNodeClient(options);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => error as PeerUnreachableError,
    );

  it('a refused connection: nothing listens there, the peer is down', async () => {
    const error = await failure(client.streamFile(`http://127.0.0.1:${await closedPort()}`, 'a'.repeat(32), 'seg_00001.ts', 'token=secret'));
    expect(error).toBeInstanceOf(PeerUnreachableError);
    expect(error?.down).toBe(true);
  });

  it('a name that does not resolve: maybe this node’s network, not down (its heartbeat decides)', async () => {
    const error = await failure(client.list('http://no-such-node.invalid:3000'));
    expect(error).toBeInstanceOf(PeerUnreachableError);
    expect(error?.down).toBe(false);
  });

  it('never puts the viewer’s stream token into the error (it is logged)', async () => {
    const error = await failure(client.streamFile(`http://127.0.0.1:${await closedPort()}`, 'a'.repeat(32), 'seg_00001.ts', 'token=secret-token'));
    expect(error?.message).not.toContain('secret-token');
    expect(error?.message).toContain('seg_00001.ts');
  });
});
