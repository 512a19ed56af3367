import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { FrigateEventsClient } from './frigate-events.client';

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
      response.writeHead(event ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(event ?? 'Event not found'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('gives an ended event its own start and end (no padding: nginx-vod never passes it on), asking Frigate once for a viewing', async () => {
    const client = new FrigateEventsClient({ frigateUrl: url, authCacheSeconds: 5 });
    const before = asked;
    // The master playlist, the media playlist and segments of one viewing.
    for (let i = 0; i < 5; i += 1) expect(await client.eventRange('done', CALLER)).toEqual({ camera: 'porch', start: 1_700_000_003.5, end: 1_700_000_017.25 });
    expect(asked - before).toBe(1);
  });

  it('keeps the range an event in progress was first given, so one viewing is one session', async () => {
    const client = new FrigateEventsClient({ frigateUrl: url, authCacheSeconds: 5 });
    const now = 1_700_000_100_400;
    const first = await client.eventRange('live', CALLER, now);
    expect(first).toEqual({ camera: 'porch', start: 1_700_000_003.5, end: 1_700_000_100 });
    expect(await client.eventRange('live', CALLER, now + 1_500)).toEqual(first);
    expect(await client.eventRange('live', CALLER, now + 30_000)).toEqual(first);
    // Long after (a new viewing), it reaches the new "now".
    expect((await client.eventRange('live', CALLER, now + 11 * 60_000)).end).toBe(1_700_000_760);
  });

  it('is 404 with Frigate’s message for an unknown event', async () => {
    const client = new FrigateEventsClient({ frigateUrl: url, authCacheSeconds: 5 });
    await expect(client.eventRange('missing', CALLER)).rejects.toMatchObject({ status: 404, response: { success: false, message: 'Event not found.' } });
  });
});
