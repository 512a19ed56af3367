/**
 * Where the typed client's generated files live and how the document is written: `npm run
 * openapi` writes them; the drift test makes them again and fails when the committed ones differ.
 */
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The app's OpenAPI document, committed (shipped with the client, for other generators). */
export const CLIENT_DOCUMENT_PATH = join(ROOT, 'libs', 'client', 'openapi.json');

/** The types generated from it; libs/client/src/index.ts re-exports them. */
export const CLIENT_TYPES_PATH = join(ROOT, 'libs', 'client', 'src', 'api-types.generated.ts');

/** The document as the committed file holds it: two-space JSON with a final newline. */
export function clientDocumentText(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
