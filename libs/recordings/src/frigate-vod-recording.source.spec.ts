import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { FrigateVodRecordingSource } from './frigate-vod-recording.source';
import { RecordingsUpstreamException } from './recordings.exceptions';

describe('FrigateVodRecordingSource reading Frigate', () => {
  let server: Server;
  let sent = 0;
  let source: FrigateVodRecordingSource;

  beforeAll(async () => {
    // A Frigate whose VOD answer never ends: chunks without a Content-Length, as long as it is read.
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
      const chunk = Buffer.alloc(64 * 1024, '#EXT-X-DISCONTINUITY\n');
      const more = () => {
        while (!response.destroyed && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        response.end();
      };
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    source = new FrigateVodRecordingSource({
      recordingsDir: '/unused',
      ffprobePath: 'ffprobe',
      source: 'frigate-vod',
      frigateVodUrl: `http://127.0.0.1:${port}/vod/{camera}/start/{start}/end/{end}/index.m3u8`,
    });
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('gives up a chunked answer once it passes 8 MB (a 502), instead of holding all of it first', async () => {
    await expect(source.findRecordings('front', 1_700_000_000, 1_700_000_060)).rejects.toBeInstanceOf(RecordingsUpstreamException);
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });
});
