// The document of the real application, built without a database as `pnpm client:generate`
// builds it: it must be valid OpenAPI 3.1, describe every /api/v1 route fully, and match what
// packages/api-client commits (openapi.json and the types made from it).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validate } from '@readme/openapi-parser';
import { DocumentSchemas } from '../../test/openapi/document-schemas.js';
import { buildOfflineDocument } from './offline-document.js';
import { serializeDocument, type OpenApiDocument } from './openapi-document.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const clientDir = path.join(root, 'packages/api-client');
const STALE = 'packages/api-client is stale: run `pnpm client:generate` and commit the result';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a parsed document

let document: OpenApiDocument;
let scratch: string;

beforeAll(async () => {
  document = await buildOfflineDocument();
  scratch = await mkdtemp(path.join(tmpdir(), 'berth-openapi-'));
}, 60_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function operations(): [string, string, Json][] {
  return Object.entries(document.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, string, Json] => [method, route, operation]),
  );
}

describe('the OpenAPI document of the api', () => {
  it('is valid OpenAPI 3.1 whose schemas compile as JSON Schema 2020-12', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    expect(result).toMatchObject({ valid: true });
    expect(new DocumentSchemas(document).compileAll().length).toBeGreaterThan(20);
  });

  it('covers the product spec endpoints and leaves the /v2/ registry API out', () => {
    const listed = new Set(operations().map(([method, route]) => `${method.toUpperCase()} ${route}`));
    for (const endpoint of [
      'POST /api/v1/users',
      'GET /api/v1/users',
      'POST /api/v1/projects',
      'GET /api/v1/projects',
      'GET /api/v1/projects/{project}',
      'DELETE /api/v1/projects/{project}',
      'POST /api/v1/projects/{project}/members',
      'POST /api/v1/projects/{project}/robots',
      'POST /api/v1/robots',
      'GET /api/v1/audit-logs',
      'POST /api/v1/registries',
      'POST /api/v1/replication/policies',
      'POST /api/v1/replication/executions',
      'GET /api/v1/replication/executions/{id}',
      'POST /api/v1/system/gc',
      'GET /api/v1/system/gc/{id}',
      'GET /api/v1/system/info',
      'GET /api/v1/health',
    ]) {
      expect(listed).toContain(endpoint);
    }
    expect(Object.keys(document.paths).filter((route) => !route.startsWith('/api/v1/'))).toEqual([]);
  });

  it('documents every operation: words, request body, success schema, the Problem on a client error', () => {
    const undocumented: string[] = [];
    for (const [method, route, operation] of operations()) {
      const name = `${method.toUpperCase()} ${route}`;
      const [status, success] = Object.entries(operation.responses as Json).find(([code]) => code < '300')!;
      if (operation.summary === (operation.operationId as string).split('_')[1])
        undocumented.push(`${name}: no @ApiDoc (docs/admin-api.md#documenting-an-endpoint)`);
      if (status !== '204' && !success.content) undocumented.push(`${name}: no response schema`);
      if (['post', 'put', 'patch'].includes(method) && operation.responses['415'] && !operation.requestBody) {
        undocumented.push(`${name}: reads a body without a schema`);
      }
      for (const [code, answer] of Object.entries(operation.responses as Json)) {
        if (code < '400' || code >= '500') continue;
        const schema = answer.$ref ?? answer.content?.['application/problem+json']?.schema;
        if (!schema) undocumented.push(`${name}: ${code} is not a problem body`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('asks for credentials everywhere but on the health checks, unless a controller says otherwise', () => {
    const open = operations()
      .filter(
        ([, route, operation]) => operation.security === undefined && !route.startsWith('/api/v1/health'),
      )
      .map(
        ([method, route]) =>
          `${method.toUpperCase()} ${route}: no credentials asked; guard it with AdminAuthGuard, or say @ApiCredentials('optional' | 'none')`,
      );
    expect(open).toEqual([]);
  });
});

describe('packages/api-client', () => {
  it('commits the document the code builds (openapi.json)', async () => {
    const committed = JSON.parse(await readFile(path.join(clientDir, 'openapi.json'), 'utf8')) as Json;
    // The api's version moves with releases, not with the API: it alone may differ.
    const current = { ...document, info: { ...(document.info as Json), version: committed.info?.version } };
    const drift = differences(committed, JSON.parse(JSON.stringify(current)), '');
    expect(drift.length === 0 ? 'fresh' : `${STALE}; differs at ${drift.slice(0, 10).join(', ')}`).toBe(
      'fresh',
    );
  });

  it('commits the types openapi-typescript makes of that document (src/schema.ts)', async () => {
    const input = path.join(scratch, 'openapi.json');
    const output = path.join(scratch, 'schema.ts');
    await writeFile(input, serializeDocument(document));
    await promisify(execFile)(
      process.execPath,
      [path.join(clientDir, 'node_modules/openapi-typescript/bin/cli.js'), input, '--output', output],
      { cwd: clientDir },
    );
    const expected = await readFile(output, 'utf8');
    const committed = await readFile(path.join(clientDir, 'src/schema.ts'), 'utf8');
    expect(committed === expected ? 'fresh' : STALE).toBe('fresh');
  }, 60_000);
});

/** JSON pointers where two parsed JSON values differ. */
function differences(a: unknown, b: unknown, at: string): string[] {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return a === b ? [] : [at || '/'];
  }
  if (Array.isArray(a) !== Array.isArray(b)) return [at || '/'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((key) =>
    differences(
      (a as Json)[key],
      (b as Json)[key],
      `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`,
    ),
  );
}
