import type { NestExpressApplication } from '@nestjs/platform-express';
import { static as serveStatic } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

declare const __non_webpack_require__: NodeJS.Require | undefined;

/**
 * Node's own require: inside the webpack bundle `require.resolve` is webpack's, which knows no
 * paths; hls.js is resolved at run time from node_modules, the version package.json pins.
 */
const nodeRequire: NodeJS.Require = typeof __non_webpack_require__ === 'function' ? __non_webpack_require__ : require;

/**
 * The player page's own files: next to main.js in the build (nest-cli.json assets copy them),
 * beside this file when run from source (tests).
 */
export const PLAYER_PUBLIC_DIR = [join(__dirname, 'player', 'public'), join(__dirname, 'public')].find((dir) => existsSync(join(dir, 'index.html'))) as string;

/**
 * Serves the player page at `/` and hls.js from the npm package at `/vendor/hls.min.js` (no
 * CDN). The page holds no secret: data comes from the API, behind the same auth as any client.
 */
export function servePlayer(app: NestExpressApplication, publicDir = PLAYER_PUBLIC_DIR): void {
  const hlsPath = nodeRequire.resolve('hls.js/dist/hls.min.js');
  // Only the page's own paths reach the static server: on any other request (a segment, the
  // API) it would stat a file in the page's folder first, a threadpool round trip per segment.
  const pagePaths = new Set(['/', ...readdirSync(publicDir).map((name) => `/${name}`)]);
  const pageFiles = serveStatic(publicDir, { index: 'index.html', maxAge: 0 });
  app.use((request: Request, response: Response, next: NextFunction) => (pagePaths.has(request.path) ? pageFiles(request, response, next) : next()));
  app.use('/vendor/hls.min.js', (_request: Request, response: Response) => {
    response.type('application/javascript').sendFile(hlsPath);
  });
}
