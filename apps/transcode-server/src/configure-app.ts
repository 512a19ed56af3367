import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { CSRF_HEADER, frigateCsrfRule } from '@app/auth';
import { ConfigType } from '@nestjs/config';
import { JsonExceptionFilter, applyServerLimits } from '@app/common';
import { ReadySegmentMiddleware, TranscodeEvents, httpAnswerCounting, readySegmentFastPath, transcodeConfig } from '@app/transcode';
import { Logger } from 'nestjs-pino';
import { serverConfig } from './config/server.config';
import { buildOpenApiDocument } from './openapi-document';
import { servePlayer } from './player/player-assets';

/**
 * The Content-Security-Policy of every page (the player, Swagger UI): scripts from here only;
 * hls.js plays through blob: MediaSource URLs and a blob: worker; Swagger UI needs inline styles
 * and data: images. No upgrade-insecure-requests: a home server is often plain http on the LAN.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    mediaSrc: ["'self'", 'blob:'],
    workerSrc: ["'self'", 'blob:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'self'"],
  },
};

/**
 * Everything main.ts does to the app besides listening, shared with the e2e tests so that
 * they run the app exactly as production does.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(Logger));
  // Every answer counted (nvr_transcoder_http_requests_total): first, so none escapes, the fast path's included.
  app.use(httpAnswerCounting(app.get(TranscodeEvents)));
  const { corsOrigins, limits } = app.get<ConfigType<typeof serverConfig>>(serverConfig.KEY);
  // A request waiting for a segment is idle for up to SEGMENT_WAIT_TIMEOUT_SECONDS: never cut before its 504.
  const { segmentWaitTimeoutSeconds } = app.get<ConfigType<typeof transcodeConfig>>(transcodeConfig.KEY);
  applyServerLimits(app.getHttpServer(), { ...limits, idleTimeoutMs: Math.max(limits.idleTimeoutMs, (segmentWaitTimeoutSeconds + 5) * 1000) });
  // Security headers on everything, pages and API. Cross-origin resource policy stays open: a
  // player on another origin (Frigate's UI, Safari's native HLS) loads playlists and segments,
  // which carry their own stream token.
  app.use(helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY, crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  // Browsers on other origins only when CORS_ORIGINS lists them.
  app.enableCors({
    origin: corsOrigins === '*' ? true : corsOrigins,
    credentials: corsOrigins !== '*',
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', CSRF_HEADER],
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
  });
  app.use(frigateCsrfRule);
  // Ready segments go out before the request log and Nest's router: the serving fast path.
  app.use(readySegmentFastPath(app.get(ReadySegmentMiddleware)));
  app.useGlobalFilters(new JsonExceptionFilter());
  // SIGTERM and SIGINT run the shutdown hooks, which stop every ffmpeg child before exit.
  app.enableShutdownHooks();
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  servePlayer(app);
  return app;
}
