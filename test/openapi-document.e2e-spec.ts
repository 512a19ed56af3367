import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLIENT_DOCUMENT_PATH, CLIENT_TYPES_PATH, clientDocumentText } from '../scripts/lib/openapi-client-files';
import { ApiRoute, documentedRouteFor, documentedRoutes, expressRoutes, nestRoutes, readmeApiRows, routeKey } from './support/api-routes';
import { TestApp, startTestApp } from './support/test-app';

/** Routes the README's API table lists that are not operations of the API: the player page and the docs themselves. */
const README_ROUTES_NOT_IN_DOCUMENT = ['GET /', 'GET /docs', 'GET /docs-json'];

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

const described = (route: ApiRoute): string => `${routeKey(route)} path: ${route.pathParams.join(',')} query: ${route.queryParams.join(',')}`;

/**
 * The OpenAPI document against the routes the app really serves and the README's API table: a
 * route added, renamed or given another parameter without its decorators, or an error the
 * README promises but the document does not list, fails here. So do a committed openapi.json
 * or generated client types that `npm run openapi` was not run for.
 */
describe('OpenAPI document drift (e2e)', () => {
  let app: TestApp;
  let document: any;

  beforeAll(async () => {
    app = await startTestApp();
    document = await (await fetch(`${app.baseUrl}/docs-json`)).json();
  });

  afterAll(async () => app?.close());

  it('Nest registered every controller route in Express, which serves no other route but Swagger UI', () => {
    const nest = nestRoutes(app.app).map(routeKey).sort();
    const express = expressRoutes(app.app);
    expect(nest.filter((key) => !express.includes(key))).toEqual([]);
    expect(express.filter((key) => !nest.includes(key) && !key.startsWith('GET /docs')).sort()).toEqual([]);
  });

  it('documents every public route with its path and query parameters, and nothing that is not a route', () => {
    const registered = nestRoutes(app.app)
      .filter((route) => !route.excludedFromDocument)
      .map(described)
      .sort();
    expect(documentedRoutes(document).map(described).sort()).toEqual(registered);
  });

  it('documents for each route the error codes the README’s API table lists for it', async () => {
    const readme = readmeApiRows(await readFile(join(ROOT, 'README.md'), 'utf8'));
    const documented = documentedRoutes(document);
    const missing: string[] = [];
    const undocumented: string[] = [];
    const listed = new Set<string>();
    for (const row of readme) {
      for (const route of row.routes) {
        const match = documentedRouteFor(route, documented);
        if (!match) {
          if (!README_ROUTES_NOT_IN_DOCUMENT.includes(routeKey(route))) undocumented.push(routeKey(route));
          continue;
        }
        listed.add(routeKey(match));
        const absent = row.errorCodes.filter((code) => !match.responses.includes(code));
        if (absent.length) missing.push(`${routeKey(route)} (documented as ${routeKey(match)}): ${absent.join(', ')}`);
      }
    }
    expect(undocumented).toEqual([]);
    expect(missing).toEqual([]);
    // And the other way: every documented route has its row in the README.
    expect(documented.map(routeKey).filter((key) => !listed.has(key))).toEqual([]);
  });

  it('the committed libs/client/openapi.json and generated types are those of the app (run `npm run openapi`)', async () => {
    expect(await readFile(CLIENT_DOCUMENT_PATH, 'utf8')).toBe(clientDocumentText(document));
    // The committed document is the app's (above): the types made from it now must be the committed ones.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/openapi-types.ts', CLIENT_DOCUMENT_PATH], { cwd: ROOT, maxBuffer: 16 << 20 });
    expect(await readFile(CLIENT_TYPES_PATH, 'utf8')).toBe(stdout);
  });
});
