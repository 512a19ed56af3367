import type { INestApplication } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_AUTH_NAME, COOKIE_AUTH_NAME, STREAM_TOKEN_AUTH_NAME, authConfig } from '@app/auth';

/**
 * The OpenAPI document of the app's routes, as /docs-json serves it. Built from the controllers'
 * decorators, so it needs the app's modules but not a listening server: `npm run openapi` writes
 * it to libs/client without opening a port.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const { cookieName } = app.get<ConfigType<typeof authConfig>>(authConfig.KEY);
  return SwaggerModule.createDocument(
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
}
