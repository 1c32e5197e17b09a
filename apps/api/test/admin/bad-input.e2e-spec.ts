// Bad input anywhere in the admin API is a 4xx problem body, never a 500: wrong types, missing
// fields, huge or NUL-laden strings, ids that cannot be ids, unknown names.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, isProblem } from './admin-client.js';

const TIMEOUT = 60_000;
let registry: RegistryUnderTest;
let admin: AdminClient;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
  await admin.post('/api/v1/projects', { name: 'fuzz', public: false });
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

const huge = 'x'.repeat(100_000);
const bodies: unknown[] = [
  null,
  42,
  'string',
  [],
  {},
  { name: huge, username: huge, password: huge, role: huge, permissions: [huge] },
  { name: '\u0000', username: '\u0000', password: '\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000' },
  { name: { nested: true }, public: [], username: 1, role: false, disabled: 'no', systemAdmin: 0 },
  { newPassword: 12345678, oldPassword: [] },
  { permissions: [{ project: '\u0000', actions: ['pull'] }], name: 'ok' },
  { storageLimitBytes: 1e300, public: true, name: 'big' },
];

const writes: [string, string][] = [
  ['POST', '/api/v1/users'],
  ['PUT', '/api/v1/users/1/password'],
  ['PUT', '/api/v1/users/1/disabled'],
  ['PUT', '/api/v1/users/1/admin'],
  ['POST', '/api/v1/projects'],
  ['PUT', '/api/v1/projects/fuzz'],
  ['POST', '/api/v1/projects/fuzz/members'],
  ['PUT', '/api/v1/projects/fuzz/members/1'],
  ['POST', '/api/v1/projects/fuzz/robots'],
  ['PUT', '/api/v1/projects/fuzz/robots/1/disabled'],
  ['POST', '/api/v1/robots'],
  ['PUT', '/api/v1/robots/1/disabled'],
];

const reads: string[] = [
  '/api/v1/users/abc',
  '/api/v1/users/-1',
  '/api/v1/users/0',
  '/api/v1/users/1.5',
  '/api/v1/users/99999999999999999999999999',
  '/api/v1/projects/%00',
  '/api/v1/projects/%E2%98%83',
  `/api/v1/projects/${'p'.repeat(1000)}`,
  '/api/v1/projects/UPPER',
  '/api/v1/projects/fuzz/members/abc',
  '/api/v1/projects/%00/members',
  '/api/v1/projects/%00/robots',
  '/api/v1/users?q=%00',
  '/api/v1/users?sort=%00',
  '/api/v1/users?page=99999999999',
  '/api/v1/users?pageSize=-5',
  '/api/v1/projects?sort=-nope',
  '/api/v1/audit-logs?since=%00',
  '/api/v1/audit-logs?page=abc',
];

describe('bad input', () => {
  it.each(writes)('%s %s never answers a malformed body with a 5xx', async (method, path) => {
    for (const body of bodies) {
      const response = await admin.request(method, path, body);
      expect(response.status).toBeLessThan(500);
      // Only PUT /projects/{project} has no required field: `{}` and unknown fields are a no-op.
      if (response.status < 400) expect(`${method} ${path}`).toBe('PUT /api/v1/projects/fuzz');
      else expect(isProblem(response, response.status)).toBe(true);
    }
  });

  it.each(reads)('GET %s is a 4xx problem', async (path) => {
    const response = await admin.get(path);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(isProblem(response, response.status)).toBe(true);
  });

  it.each([
    ['DELETE', '/api/v1/users/abc'],
    ['DELETE', '/api/v1/projects/%00'],
    ['DELETE', '/api/v1/projects/fuzz/members/abc'],
    ['DELETE', '/api/v1/projects/fuzz/robots/abc'],
    ['POST', '/api/v1/projects/fuzz/robots/abc/secret'],
    ['DELETE', '/api/v1/robots/99999999999999999999999'],
    ['POST', '/api/v1/robots/abc/secret'],
    ['DELETE', '/api/v1/projects/fuzz?force=%00'],
  ])('%s %s is a 4xx problem', async (method, path) => {
    const response = await admin.request(method, path);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(isProblem(response, response.status)).toBe(true);
  });

  it('refuses a non-JSON content type with 415 and an oversized body with 413', async () => {
    const form = await fetch(`${registry.url}/api/v1/projects`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`admin:${registry.api!.adminPassword}`).toString('base64')}`,
        'content-type': 'text/plain',
      },
      body: 'name=x',
    });
    expect(form.status).toBe(415);
    const big = await admin.request(
      'POST',
      '/api/v1/projects',
      undefined,
      JSON.stringify({ name: 'x'.repeat(2_000_000) }),
    );
    expect(big.status).toBe(413);
  });
});
