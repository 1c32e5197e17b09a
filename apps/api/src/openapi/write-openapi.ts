import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildOfflineDocument } from './offline-document.js';
import { serializeDocument } from './openapi-document.js';

/**
 * `write-openapi <file>`: writes the OpenAPI document, built from the controllers without a
 * database, to `<file>`. `pnpm client:generate` runs it from the sources (no build) for
 * `packages/api-client/openapi.json`; `node apps/api/dist/openapi/write-openapi.js` works too.
 */
async function main(): Promise<void> {
  const target = process.argv[2];
  if (target === undefined) throw new Error('usage: write-openapi.js <file>');
  const document = await buildOfflineDocument();
  await writeFile(path.resolve(target), serializeDocument(document));
  console.log(`wrote ${target} (${Object.keys(document.paths).length} paths)`);
}

main().catch((error: unknown) => {
  console.error('write-openapi failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
