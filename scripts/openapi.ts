/**
 * `npm run openapi`: writes the app's OpenAPI document to libs/client/openapi.json and the
 * client's TypeScript types generated from it to libs/client/src/api-types.generated.ts. The
 * app's modules are built but never started: no port, no ffmpeg, no timers.
 */
import { NestFactory } from '@nestjs/core';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../apps/transcode-server/src/app.module';
import { buildOpenApiDocument } from '../apps/transcode-server/src/openapi-document';
import { CLIENT_DOCUMENT_PATH, CLIENT_TYPES_PATH, clientDocumentText } from './lib/openapi-client-files';
import { clientTypesText } from './lib/openapi-client-types';

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'nvr-openapi-'));
  await mkdir(join(scratch, 'recordings'));
  // Folders the settings ask for, in a scratch dir; the cookie's default name, as the committed
  // document names it (the document is the same for any other setting).
  Object.assign(process.env, {
    RECORDINGS_DIR: join(scratch, 'recordings'),
    TRANSCODE_DIR: join(scratch, 'transcode'),
    DATA_DIR: join(scratch, 'data'),
    LOG_LEVEL: 'warn',
  });
  delete process.env.AUTH_COOKIE_NAME;
  try {
    const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'], abortOnError: false });
    const document = buildOpenApiDocument(app);
    await app.close();
    await writeFile(CLIENT_DOCUMENT_PATH, clientDocumentText(document));
    await writeFile(CLIENT_TYPES_PATH, await clientTypesText(document));
    process.stdout.write(`wrote ${CLIENT_DOCUMENT_PATH} and ${CLIENT_TYPES_PATH}\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`openapi: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
