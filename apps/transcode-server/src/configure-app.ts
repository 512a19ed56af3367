import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BEARER_AUTH_NAME, COOKIE_AUTH_NAME } from '@app/auth';
import { JsonExceptionFilter } from '@app/common';

/**
 * Everything main.ts does to the app besides listening, shared with the e2e tests so that
 * they run the app exactly as production does.
 */
export function configureApp(app: INestApplication): INestApplication {
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
      .addCookieAuth('frigate_token', { type: 'apiKey', in: 'cookie', name: 'frigate_token' }, COOKIE_AUTH_NAME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
