import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readlink, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '../../../test/support/raw-connection';
import { applyServerLimits, endKeepAlive, serverLimitsOf } from './http-server-limits';

describe('applyServerLimits', () => {
  const checkingInterval = (server: ReturnType<typeof createServer>) =>
    (server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval;

  it('sets the idle, keep-alive, head and request timeouts and the connection cap', () => {
    const server = createServer();
    applyServerLimits(server, { idleTimeoutMs: 120_000, headersTimeoutMs: 20_000, maxConnections: 4096 });
    expect(server.timeout).toBe(120_000);
    // The same idleness between requests: longer than a proxy's 60 s upstream keep-alive, not Node's 5 s.
    expect(server.keepAliveTimeout).toBe(120_000);
    expect(server.headersTimeout).toBe(20_000);
    expect(server.requestTimeout).toBe(40_000);
    expect(server.maxConnections).toBe(4096);
    // Node checks the head and request timeouts every 30 s unless told otherwise.
    expect(checkingInterval(server)).toBe(5000);
  });

  it.each([
    [1000, 250],
    [200, 250],
    [600_000, 30_000],
  ])('checks a headers timeout of %i ms every %i ms', (headersTimeoutMs, interval) => {
    const server = createServer();
    applyServerLimits(server, { idleTimeoutMs: 6000, headersTimeoutMs, maxConnections: 1 });
    expect(checkingInterval(server)).toBe(interval);
  });

  it('remembers what it gave a server, for another server of the app', () => {
    const limited = createServer();
    const limits = { idleTimeoutMs: 6000, headersTimeoutMs: 1000, maxConnections: 4 };
    applyServerLimits(limited, limits);
    expect(serverLimitsOf(limited)).toEqual(limits);
    expect(serverLimitsOf(createServer())).toBeNull();
  });

  it('cuts a client that stops reading a streamed file after the idle timeout, and so the file is closed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'server-limits-'));
    const path = join(dir, 'big.ts');
    await writeFile(path, '');
    // Far more than the socket buffers hold (sparse: nothing is written).
    await truncate(path, 256 * 1024 * 1024);
    const server = createServer((_request, response) => {
      const file = createReadStream(path);
      // As Nest does for a StreamableFile: the file goes with the response.
      response.once('close', () => file.destroy());
      file.pipe(response);
    });
    applyServerLimits(server, { idleTimeoutMs: 200, headersTimeoutMs: 1000, maxConnections: 10 });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const openOnFile = async () => {
      let count = 0;
      for (const fd of await readdir('/proc/self/fd')) if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) count += 1;
      return count;
    };
    const client = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
    try {
      client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await once(client, 'data');
      client.pause();
      expect(await openOnFile()).toBe(1);
      // Node cuts a writer that makes no progress at the second idle tick: about 400 ms here.
      const deadline = Date.now() + 3000;
      while ((await openOnFile()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await openOnFile()).toBe(0);
    } finally {
      client.destroy();
      server.closeAllConnections();
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends a shutdown without waiting out keep-alive: connections between requests at once, one answering once its answer is sent', async () => {
    let answerSlow: () => void = () => undefined;
    const server = createServer((request, response) => {
      if (request.url === '/slow') answerSlow = () => response.end('slow');
      else response.end('quick');
    });
    applyServerLimits(server, { idleTimeoutMs: 60_000, headersTimeoutMs: 20_000, maxConnections: 10 });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const open = async (path: string) => {
      const socket = connect({ host: '127.0.0.1', port });
      const closed = once(socket, 'close');
      socket.resume(); // reads what comes, the end included
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      return { socket, closed };
    };
    const kept = await open('/quick');
    await new Promise((resolve) => setTimeout(resolve, 100)); // answered, and kept alive for a minute
    const answering = await open('/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));

    const closing = new Promise<void>((resolve) => server.close(() => resolve()));
    endKeepAlive(server);
    await within(kept.closed, 2000);
    expect(answering.socket.destroyed).toBe(false);
    answerSlow();
    await within(answering.closed, 2000);
    await within(closing, 2000);
  });
});
