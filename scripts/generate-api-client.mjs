#!/usr/bin/env node
// pnpm client:generate — regenerates the typed admin-API client from the code, with no build and
// no database:
//   1. writes the OpenAPI document, built from the api's controllers (its TypeScript sources, run
//      through scripts/ts-source-register.mjs), to packages/api-client/openapi.json
//      (apps/api/src/openapi/write-openapi.ts);
//   2. turns it into TypeScript types with openapi-typescript: packages/api-client/src/schema.ts.
// The unit spec apps/api/src/openapi/openapi-drift.spec.ts fails while these files are stale.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const client = path.join(root, 'packages/api-client');

function run(args, cwd = root) {
  const result = spawnSync(process.execPath, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`client:generate: node ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}

run([
  '--import',
  path.join(root, 'scripts/ts-source-register.mjs'),
  path.join(root, 'apps/api/src/openapi/write-openapi.ts'),
  path.join(client, 'openapi.json'),
]);
run(
  [
    path.join(client, 'node_modules/openapi-typescript/bin/cli.js'),
    'openapi.json',
    '--output',
    'src/schema.ts',
  ],
  client,
);
