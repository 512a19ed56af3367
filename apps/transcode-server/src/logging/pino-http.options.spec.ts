import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pinoHttp } from 'pino-http';
import { loggableUrl, pinoHttpOptions } from './pino-http.options';

const SESSION = 'a'.repeat(32);
const STREAM_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJhYWEifQ.c2lnbmF0dXJl';

describe('loggableUrl', () => {
  it.each([
    [
      'a viewer’s segment with its stream token',
      `/stream/transcode/${SESSION}/seg_00001.ts?token=${STREAM_TOKEN}`,
      `/stream/transcode/${SESSION}/seg_00001.ts?token=%5Bredacted%5D`,
    ],
    [
      'a peer’s request for a viewer’s segment: the token inside segmentQuery',
      `/internal/cluster/sessions/${SESSION}/seg_00001.ts?segmentQuery=${encodeURIComponent(`token=${STREAM_TOKEN}`)}`,
      `/internal/cluster/sessions/${SESSION}/seg_00001.ts?segmentQuery=%5Bredacted%5D`,
    ],
    ['other parameters are kept', `/transcode/sessions?camera=front&token=${STREAM_TOKEN}`, '/transcode/sessions?camera=front&token=%5Bredacted%5D'],
    ['a URL without a query is as it was', `/stream/transcode/${SESSION}/master.m3u8`, `/stream/transcode/${SESSION}/master.m3u8`],
  ])('%s', (_case, url, logged) => {
    expect(loggableUrl(url)).toBe(logged);
  });
});

describe('the access log (pino-http with these options)', () => {
  let server: Server;
  const lines: string[] = [];
  /** Resolves once a response has closed: pino-http writes its line on 'finish', which comes before. */
  let closed: Promise<void>;

  beforeAll(async () => {
    const logger = pinoHttp(pinoHttpOptions({ level: 'info' }), { write: (line: string) => void lines.push(line) });
    server = createServer((request, response) => {
      logger(request, response);
      closed = new Promise((resolve) => response.once('close', resolve));
      response.end('segment');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('never writes the stream token a peer’s segmentQuery carries', async () => {
    const query = encodeURIComponent(`token=${STREAM_TOKEN}`);
    const { port } = server.address() as AddressInfo;
    await (await fetch(`http://127.0.0.1:${port}/internal/cluster/sessions/${SESSION}/seg_00001.ts?segmentQuery=${query}`)).text();
    await closed;
    const logged = lines.join('');
    expect(JSON.parse(lines[0]).req.url).toBe(`/internal/cluster/sessions/${SESSION}/seg_00001.ts?segmentQuery=%5Bredacted%5D`);
    for (const secret of [STREAM_TOKEN, query, 'c2lnbmF0dXJl']) expect(logged).not.toContain(secret);
  });
});
