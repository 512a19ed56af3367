import { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from '@nestjs/common';
import { InvalidSettingError } from '@app/common';
import { AppModule, SETTINGS } from './app.module';
import { configureApp } from './configure-app';
import { serverConfig } from './config/server.config';

async function bootstrap(): Promise<void> {
  // Settings are validated before Nest starts, so a wrong one is reported as one line.
  for (const load of SETTINGS) load();
  // Logs written during start-up are held until the JSON logger takes over (configureApp).
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { abortOnError: false, bufferLogs: true });
  configureApp(app);
  const { port, host } = app.get<ConfigType<typeof serverConfig>>(serverConfig.KEY);
  await (host ? app.listen(port, host) : app.listen(port));
  const shown = !host ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  new Logger('Bootstrap').log(`listening on http://${shown}:${port} (API docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  // A wrong setting is reported as the one line that names it; anything else with its stack.
  const message = error instanceof InvalidSettingError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`nvr-transcoder failed to start: ${message}\n`);
  process.exit(1);
});
