import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BEARER_AUTH_NAME, COOKIE_AUTH_NAME, STREAM_TOKEN_AUTH_NAME, authConfig } from '@app/auth';
import { ConfigType } from '@nestjs/config';
import { JsonExceptionFilter } from '@app/common';
import { Logger } from 'nestjs-pino';
import { servePlayer } from './player/player-assets';

/**
 * Everything main.ts does to the app besides listening, shared with the e2e tests so that
 * they run the app exactly as production does.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(Logger));
  const { cookieName } = app.get<ConfigType<typeof authConfig>>(authConfig.KEY);
  app.useGlobalFilters(new JsonExceptionFilter());
  // SIGTERM and SIGINT run the shutdown hooks, which stop every ffmpeg child before exit.
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nvr-transcoder')
      .setDescription('On-demand H.264 HLS transcoding of H.265 NVR recordings')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH_NAME)
      .addCookieAuth(cookieName, { type: 'apiKey', in: 'cookie', name: cookieName }, COOKIE_AUTH_NAME)
      .addApiKey({ type: 'apiKey', in: 'query', name: 'token' }, STREAM_TOKEN_AUTH_NAME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  servePlayer(app);
  return app;
}
