import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import type { FrigateUser } from './frigate-auth.client';
import { FrigateEventsClient } from './frigate-events.client';

const ADMIN: FrigateUser = { username: 'admin', role: 'admin', allowedCameras: 'all' };
const GARAGE_ONLY: FrigateUser = { username: 'sam', role: 'garage_only', allowedCameras: ['garage'] };
const CALLER = { headers: {} };

describe('FrigateEventsClient', () => {
  let server: Server;
  let url: string;
  let asked = 0;
  const events: Record<string, unknown> = {
    done: { camera: 'porch', start_time: 1_700_000_003.5, end_time: 1_700_000_017.25 },
    live: { camera: 'porch', start_time: 1_700_000_003.5, end_time: null },
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      asked += 1;
      const id = decodeURIComponent((request.url ?? '').split('/').pop() ?? '');
      const event = events[id];
      // Frigate's own camera check answers a 403 that names the camera.
      if (id === 'forbidden') response.writeHead(403, { 'content-type': 'application/json' }).end('{"detail":"Access denied to camera \'porch\'"}');
      else response.writeHead(event ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(event ?? 'Event not found'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('gives an ended event its own start and end (no padding: nginx-vod never passes it on), asking Frigate once for a viewing', async () => {
    const client = new FrigateEventsClient({ frigateUrl: url, authCacheSeconds: 5 });
    const before = asked;
    // The master playlist, the media playlist and segments of one viewing.
    for (let i = 0; i < 5; i += 1)
      expect(await client.eventRange('done', CALLER, ADMIN)).toEqual({ camera: 'porch', start: 1_700_000_003.5, end: 1_700_000_017.25 });
    expect(asked - before).toBe(1);
  });

  it('keeps the range an event in progress was first given, so one viewing is one session', async () => {
    const client = new FrigateEventsClient({ frigateUrl: url, authCacheSeconds: 5 });
    const now = 1_700_000_100_400;
    const first = await client.eventRange('live', CALLER, ADMIN, now);
    expect(first).toEqual({ camera: 'porch', start: 1_700_000_003.5, end: 1_700_000_100 });
    expect(await client.eventRange('live', CALLER, ADMIN, now + 1_500)).toEqual(first);
    expect(await client.eventRange('live', CALLER, ADMIN, now + 30_000)).toEqual(first);
    // Long after (a new viewing), it reaches the new "now".
    expect((await client.eventRange('live', CALLER, ADMIN, now + 11 * 60_000)).end).toBe(1_700_000_760);
  });

  it('tells a user who may not watch its camera what it tells them of an event that does not exist, whether or not someone else played it', async () => {
    const client = new FrigateEventsClient({ frigateUrl: url, authCacheSeconds: 5 });
    const notFound = { status: 404, response: { success: false, message: 'Event not found.' } };
    await expect(client.eventRange('done', CALLER, GARAGE_ONLY)).rejects.toMatchObject(notFound);
    await client.eventRange('done', CALLER, ADMIN);
    await expect(client.eventRange('done', CALLER, GARAGE_ONLY)).rejects.toMatchObject(notFound);
    await expect(client.eventRange('missing', CALLER, GARAGE_ONLY)).rejects.toMatchObject(notFound);
    await expect(client.eventRange('forbidden', CALLER, GARAGE_ONLY)).rejects.toMatchObject(notFound);
  });

  it('is 404 with Frigate’s message for an unknown event', async () => {
    const client = new FrigateEventsClient({ frigateUrl: url, authCacheSeconds: 5 });
    await expect(client.eventRange('missing', CALLER, ADMIN)).rejects.toMatchObject({ status: 404, response: { success: false, message: 'Event not found.' } });
  });
});
