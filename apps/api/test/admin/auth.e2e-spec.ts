// Authentication of the admin API: Basic (users and robots), Bearer registry tokens, anonymous
// refusal, throttling after failed logins, and problem bodies for unknown routes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, isProblem, requestToken } from './admin-client.js';

const TIMEOUT = 60_000;
let registry: RegistryUnderTest;
let admin: AdminClient;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('admin API authentication', () => {
  it('serves GET /api/v1/health without credentials', async () => {
    const response = await admin.as(undefined).get('/api/v1/health');
    expect(response.status).toBe(200);
  });

  it.each([
    '/api/v1/users',
    '/api/v1/projects',
    '/api/v1/robots',
    '/api/v1/audit-logs',
    '/api/v1/users/current',
  ])('refuses anonymous GET %s with 401 and a Basic challenge', async (path) => {
    const response = await admin.as(undefined).get(path);
    expect(isProblem(response, 401)).toBe(true);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="Berth"/);
  });

  it('refuses garbage Authorization headers with 401', async () => {
    for (const header of ['Basic !!!', 'Bearer', 'Digest abc', 'Basic ' + 'A'.repeat(10000)]) {
      const response = await fetch(`${registry.url}/api/v1/users/current`, {
        headers: { authorization: header },
      });
      expect(response.status).toBe(401);
    }
  });

  it('accepts a Bearer registry token and resolves its subject', async () => {
    const { token } = await requestToken(
      registry.api!.tokenUrl,
      registry.host,
      'repository:x/y:pull',
      registry.credentials,
    );
    const current = await admin.as({ bearer: token! }).get('/api/v1/users/current');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ username: 'admin', systemAdmin: true });
    const created = await admin
      .as({ bearer: token! })
      .post('/api/v1/projects', { name: 'via-bearer', public: false });
    expect(created.status).toBe(201);
  });

  it('refuses a forged, anonymous or stale Bearer token with 401', async () => {
    const { token } = await requestToken(
      registry.api!.tokenUrl,
      registry.host,
      'repository:x/y:pull',
      registry.credentials,
    );
    const [header, payload] = token!.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not a signature').toString('base64url')}`;
    expect(isProblem(await admin.as({ bearer: forged }).get('/api/v1/users/current'), 401)).toBe(true);
    const anonymous = await requestToken(registry.api!.tokenUrl, registry.host, 'repository:x/y:pull');
    expect(isProblem(await admin.as({ bearer: anonymous.token! }).get('/api/v1/users/current'), 401)).toBe(
      true,
    );

    const pat = await createUser(admin, 'pat');
    const patToken = await requestToken(
      registry.api!.tokenUrl,
      registry.host,
      'repository:x/y:pull',
      pat.credentials,
    );
    expect((await admin.as({ bearer: patToken.token! }).get('/api/v1/users/current')).status).toBe(200);
    await admin.put(`/api/v1/users/${pat.id}/disabled`, { disabled: true });
    expect(isProblem(await admin.as({ bearer: patToken.token! }).get('/api/v1/users/current'), 401)).toBe(
      true,
    );
  });

  it('accepts robots over Basic', async () => {
    await admin.post('/api/v1/projects', { name: 'robots-home', public: false });
    const robot = await admin.post('/api/v1/projects/robots-home/robots', {
      name: 'r',
      permissions: ['pull'],
    });
    const asRobot = admin.as({ username: robot.body.name, password: robot.body.secret });
    const listed = await asRobot.get('/api/v1/projects');
    expect(listed.status).toBe(200);
    expect(isProblem(await asRobot.get('/api/v1/users/current'), 403)).toBe(true);
  });

  it('answers unknown routes with a problem body', async () => {
    expect(isProblem(await admin.get('/api/v1/no-such-thing'), 404)).toBe(true);
  });

  it('throttles a username after repeated failures with 429 and Retry-After', async () => {
    const quinn = await createUser(admin, 'quinn');
    const wrong = admin.as({ username: 'quinn', password: 'definitely-wrong' });
    let last = await wrong.get('/api/v1/users/current');
    for (let i = 0; i < 10 && last.status !== 429; i++) last = await wrong.get('/api/v1/users/current');
    expect(isProblem(last, 429)).toBe(true);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    // Throttled means throttled: even the right password waits.
    expect((await admin.as(quinn.credentials).get('/api/v1/users/current')).status).toBe(429);
    const audit = await admin.get('/api/v1/audit-logs?q=quinn');
    expect(audit.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'quinn', action: 'login', outcome: 'failure' }),
      ]),
    );
  });
});
