// The OpenAPI document and the browsable UI as a running api serves them: without credentials,
// valid OpenAPI 3.1, the same document packages/api-client commits, answers that match it, and
// a UI that loads nothing from outside the api.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validate } from '@readme/openapi-parser';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient } from '../admin/admin-client.js';
import { DocumentSchemas } from './document-schemas.js';

const TIMEOUT = 60_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a parsed document

let registry: RegistryUnderTest;
let admin: AdminClient;
let document: Json;
let schemas: DocumentSchemas;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
  const response = await fetch(`${registry.url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as Json;
  schemas = new DocumentSchemas(document);
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('GET /api/v1/openapi.json', () => {
  it('answers anyone with JSON, and a valid OpenAPI 3.1 document', async () => {
    const response = await fetch(`${registry.url}/api/v1/openapi.json`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(await validate(structuredClone(document) as never)).toMatchObject({ valid: true });
    expect(schemas.compileAll()).toContain('Problem');
  });

  it('is the document packages/api-client was generated from', async () => {
    const committed = JSON.parse(
      await readFile(path.join(root, 'packages/api-client/openapi.json'), 'utf8'),
    ) as Json;
    expect({ ...document, info: { ...document.info, version: 'any' } }).toEqual({
      ...committed,
      info: { ...committed.info, version: 'any' },
    });
  });

  it('describes the answers the api gives', async () => {
    const answers: string[] = [];
    /** Calls `method url` and checks the answer against the document's `template`; returns the body. */
    const call = async (method: string, template: string, url: string, body?: unknown) => {
      const response = await admin.request(method, url, body);
      const errors = schemas.errors(method, template, response.status, response.body);
      answers.push(...errors.map((error) => `${method} ${url} ${response.status}: ${error}`));
      return response.body as Json;
    };
    await call('POST', '/api/v1/projects', '/api/v1/projects', { name: 'documented', public: true });
    await call('GET', '/api/v1/projects', '/api/v1/projects');
    await call('GET', '/api/v1/projects/{project}', '/api/v1/projects/documented');
    await call('GET', '/api/v1/projects/{project}/members', '/api/v1/projects/documented/members');
    const robot = { name: 'ci', permissions: ['pull'] };
    await call('POST', '/api/v1/projects/{project}/robots', '/api/v1/projects/documented/robots', robot);
    await call('GET', '/api/v1/projects/{project}/robots', '/api/v1/projects/documented/robots');
    await call('GET', '/api/v1/users', '/api/v1/users');
    await call('GET', '/api/v1/users/current', '/api/v1/users/current');
    await call('GET', '/api/v1/audit-logs', '/api/v1/audit-logs');
    await call('GET', '/api/v1/system/info', '/api/v1/system/info');
    await call('GET', '/api/v1/system/gc/schedule', '/api/v1/system/gc/schedule');
    const run = await call('POST', '/api/v1/system/gc', '/api/v1/system/gc', { dryRun: true });
    await call('GET', '/api/v1/system/gc/{id}', `/api/v1/system/gc/${run.id}`);
    await call('GET', '/api/v1/system/gc', '/api/v1/system/gc');
    const remote = {
      name: 'elsewhere',
      type: 'oci',
      url: 'http://127.0.0.1:9',
      username: 'u',
      password: 'p',
    };
    const registryId = (await call('POST', '/api/v1/registries', '/api/v1/registries', remote)).id as string;
    await call('GET', '/api/v1/registries/{id}', `/api/v1/registries/${registryId}`);
    await call('GET', '/api/v1/registries', '/api/v1/registries');
    const policy = {
      name: 'mirror',
      mode: 'push',
      registryId,
      destinationNamespace: 'mirror',
      retry: { attempts: 2 },
    };
    const policyId = (
      await call('POST', '/api/v1/replication/policies', '/api/v1/replication/policies', policy)
    ).id as string;
    await call('GET', '/api/v1/replication/policies/{id}', `/api/v1/replication/policies/${policyId}`);
    await call('GET', '/api/v1/replication/policies', '/api/v1/replication/policies');
    const execution = await call('POST', '/api/v1/replication/executions', '/api/v1/replication/executions', {
      policyId,
    });
    await call(
      'GET',
      '/api/v1/replication/executions/{id}',
      `/api/v1/replication/executions/${execution.id}`,
    );
    await call('GET', '/api/v1/replication/executions', '/api/v1/replication/executions');
    const tasks = `/api/v1/replication/executions/${execution.id}/tasks`;
    await call('GET', '/api/v1/replication/executions/{id}/tasks', tasks);
    expect(answers).toEqual([]);
  });

  it('describes the problem bodies of failures', async () => {
    const anonymous = await admin.as(undefined).get('/api/v1/projects');
    const missing = await admin.get('/api/v1/projects/no-such-project');
    const invalid = await admin.post('/api/v1/projects', { name: 'Not A Name', public: true });
    for (const response of [anonymous, missing, invalid]) {
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(schemas.schemaErrors('Problem', response.body)).toEqual([]);
    }
    const operation = document.paths['/api/v1/projects/{project}'].get;
    expect(operation.responses['404']).toEqual({ $ref: '#/components/responses/NotFound' });
    expect(document.components.responses.NotFound.content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
    expect([anonymous.status, missing.status, invalid.status]).toEqual([401, 404, 400]);
  });
});

describe('GET /api/v1/docs', () => {
  it('serves Swagger UI from the api itself, reading the document', async () => {
    const page = await fetch(`${registry.url}/api/v1/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await page.text();
    const script = await (await fetch(`${registry.url}/api/v1/docs/berth-docs.js`)).text();
    expect(script).toContain("url: '/api/v1/openapi.json'");
    // Air-gapped users: every reference is to this server.
    expect(`${html}\n${script}`).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets).toEqual(
      expect.arrayContaining(['/api/v1/docs/swagger-ui-bundle.js', '/api/v1/docs/swagger-ui.css']),
    );
    for (const asset of assets) {
      const response = await fetch(`${registry.url}${asset}`);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const bundle = await fetch(`${registry.url}/api/v1/docs/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await bundle.text()).toContain('SwaggerUIBundle');
  });

  it('serves no other file of the package, and nothing outside it', async () => {
    for (const asset of ['index.html', 'package.json', '..%2Fpackage.json', 'swagger-initializer.js']) {
      const response = await fetch(`${registry.url}/api/v1/docs/${asset}`);
      expect({ asset, status: response.status }).toEqual({ asset, status: 404 });
    }
  });
});
