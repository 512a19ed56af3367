import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { existsSync } from 'node:fs';
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
export const PLAYER_PUBLIC_DIR = [join(__dirname, 'player', 'public'), join(__dirname, 'public')].find((dir) =>
  existsSync(join(dir, 'index.html')),
) as string;

/**
 * Serves the player page at `/` and hls.js from the npm package at `/vendor/hls.min.js` (no
 * CDN). The page holds no secret: data comes from the API, behind the same auth as any client.
 */
export function servePlayer(app: NestExpressApplication, publicDir = PLAYER_PUBLIC_DIR): void {
  const hlsPath = nodeRequire.resolve('hls.js/dist/hls.min.js');
  app.useStaticAssets(publicDir, { index: 'index.html', maxAge: 0 });
  app.use('/vendor/hls.min.js', (_request: Request, response: Response) => {
    response.type('application/javascript').sendFile(hlsPath);
  });
}
