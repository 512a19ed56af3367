/**
 * `tsx scripts/openapi-types.ts <openapi.json>`: prints the client types generated from that
 * document, exactly as `npm run openapi` writes them (the drift test compares the two).
 */
import { readFile } from 'node:fs/promises';
import { clientTypesText } from './lib/openapi-client-types';

async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx scripts/openapi-types.ts <openapi.json>');
  process.stdout.write(await clientTypesText(JSON.parse(await readFile(file, 'utf8'))));
}

main().catch((error: unknown) => {
  process.stderr.write(`openapi-types: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
