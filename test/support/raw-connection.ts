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
