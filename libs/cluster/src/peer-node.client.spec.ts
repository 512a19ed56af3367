import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { H264RangeException, isH264RangeRefusal } from '@app/transcode';
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

describe('PeerNodeClient: the front door’s H.264 hand-off across nodes', () => {
  it('asks the peer to hand H.264 off, and its refusal is one here too (by its code, not its class)', async () => {
    const bodies: unknown[] = [];
    const server = createHttpServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        bodies.push(JSON.parse(text));
        const refusal = new H264RangeException();
        response.writeHead(refusal.getStatus(), { 'content-type': 'application/json' }).end(JSON.stringify(refusal.getResponse()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const error = await new PeerNodeClient(options)
        .open(url, 'front', 1, 2, 'user:alice', { waitForFirstSegment: false, handOffH264: true })
        .catch((caught: unknown) => caught);
      expect(isH264RangeRefusal(error)).toBe(true);
      expect(bodies).toEqual([expect.objectContaining({ handOffH264: true, waitForFirstSegment: false })]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
