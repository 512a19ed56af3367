import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../../../test/support/net';
import { TranscodeEvent, TranscodeEvents } from '../transcode-events';
import { publishHttpAnswer } from './http-answers';

/** A real server whose every request is watched (twice, as when two layers watch), answering by path. */
describe('publishHttpAnswer', () => {
  const events = new TranscodeEvents();
  const told: TranscodeEvent[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    events.events$.subscribe((event) => told.push(event));
    server = createServer((request, response) => {
      publishHttpAnswer(events, 'front_door', request, response);
      publishHttpAnswer(events, 'front_door', request, response);
      if (request.url?.startsWith('/hang')) return response.write('half an answer');
      response.statusCode = request.url?.startsWith('/missing') ? 404 : 204;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => (told.length = 0));

  it.each([
    ['/ok?token=secret', 204, '/ok'],
    ['/missing', 404, '/missing'],
  ])('tells %s once, with its status and its path without the query', async (url, status, path) => {
    expect((await fetch(`${base}${url}`, { method: 'DELETE' })).status).toBe(status);
    await waitFor(async () => told.length > 0, 5000);
    expect(told).toEqual([{ type: 'http-answered', door: 'front_door', method: 'DELETE', path, status }]);
  });

  it('tells an answer the client walked away from as aborted', async () => {
    const client = new AbortController();
    const response = await fetch(`${base}/hang`, { signal: client.signal });
    expect(response.status).toBe(200);
    client.abort();
    await waitFor(async () => told.length > 0, 5000);
    expect(told).toEqual([{ type: 'http-answered', door: 'front_door', method: 'GET', path: '/hang', status: 'aborted' }]);
  });
});
