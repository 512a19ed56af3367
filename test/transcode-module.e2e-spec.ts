import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthModule } from '@app/auth';
import { RecordingsModule } from '@app/recordings';
import { TranscodeModule, TranscodeSessionService } from '@app/transcode';
import { FRONT, RECORDINGS_DIR, T0 } from './support/fixtures';
import { getJson, rangeUrl } from './support/test-app';

/**
 * Another Nest service importing TranscodeModule with its own options, no ConfigModule, none
 * of the transcode-server app's global set-up: the module must work on its own.
 */
describe('TranscodeModule imported by another Nest app (e2e)', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nvr-e2e-module-'));
  });

  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it('serves the transcode routes with the options it was given, JSON errors included', async () => {
    @Module({
      imports: [
        AuthModule.forRoot({ disabled: true, jwtSecret: 'unused', cookieName: 'frigate_token', roles: {}, isGlobal: true }),
        RecordingsModule.forRoot({ recordingsDir: RECORDINGS_DIR, ffprobePath: 'ffprobe', isGlobal: true }),
        TranscodeModule.forRootAsync({
          useFactory: async () => ({
            transcodeDir: join(scratch, 'sessions'),
            maxConcurrentTranscodes: 1,
            ttlSeconds: 60,
            segmentWaitTimeoutSeconds: 20,
            segmentDurationSeconds: 4,
            maxRangeSeconds: 120,
            outputMaxHeight: 240,
            ffmpegPath: 'ffmpeg',
            ffmpegPreset: 'ultrafast',
            lookaheadSeconds: 60,
            idleTimeoutSeconds: 30,
          }),
        }),
      ],
    })
    class HostModule {}

    const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    try {
      const created = await getJson(`${baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 20)}`);
      expect(created.status).toBe(200);
      // The host's 4 s segments, not the 2 s default.
      const playlist = await (await fetch(`${baseUrl}${created.body.playlist}`)).text();
      expect(playlist).toMatch(/#EXTINF:4\.000,\nseg_00001\.ts/);
      expect(playlist.match(/^#EXTINF/gm)).toHaveLength(6);
      expect(
        app
          .get(TranscodeSessionService)
          .list()
          .map((s) => s.id),
      ).toEqual([created.body.sessionId]);

      // The host's MAX_RANGE of 120 s, answered in the service's JSON error shape.
      const tooLong = await getJson(`${baseUrl}${rangeUrl(FRONT.camera, T0, T0 + 121)}`);
      expect(tooLong).toMatchObject({ status: 400, body: { success: false, message: expect.stringMatching(/maximum of 120/) } });
      const invalid = await getJson(`${baseUrl}${rangeUrl('bad.name', T0, T0 + 10)}`);
      expect(invalid).toMatchObject({ status: 400, body: { success: false, message: expect.stringMatching(/camera/) } });
    } finally {
      await app.close();
    }
  });
});
