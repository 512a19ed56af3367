import { Socket, connect } from 'node:net';

/** A raw TCP connection to a local server, with what it received and whether the server closed it. */
export function openRawConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect({ host: '127.0.0.1', port });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    // A refused connection can be reset while a request is written to it.
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => (received += chunk));
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

/** `promise`, or a rejection naming the bound when it does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms).unref())]);
}

/**
 * The two cases that show a server of the app took the public server's limits (given with a cap
 * of one connection and a 1 s headers timeout): `path` is a GET the server answers with a body
 * containing `answered`.
 */
export function itKeepsThePublicServerLimits(portOf: () => number, path: string, answered: string): void {
  it("takes no more connections than the public server's cap: one more is closed at once, unanswered", async () => {
    const held = await openRawConnection(portOf());
    held.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await within(new Promise<void>((resolve) => held.socket.on('data', () => held.received().includes(answered) && resolve())), 2000);
    const extra = await openRawConnection(portOf());
    extra.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await within(extra.closed, 1000);
    expect(extra.received()).toBe('');
    held.socket.destroy();
    await held.closed;
  });

  it("closes a connection whose request head does not come within the public server's headers timeout (408)", async () => {
    // The last test's place frees once the server has seen that connection go: until then, a new one is refused.
    let silent = await openRawConnection(portOf());
    for (let attempt = 0; attempt < 20 && (await Promise.race([silent.closed.then(() => true), sleep(100).then(() => false)])); attempt += 1) {
      silent = await openRawConnection(portOf());
    }
    silent.socket.write(`GET ${path} HTTP/1.1\r\n`);
    // Node's own defaults (a 60 s headers timeout, checked every 30 s) would take far longer.
    await within(silent.closed, 4000);
    expect(silent.received()).toMatch(/^HTTP\/1\.1 408/);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
