// Robot accounts: project robots (robot$<project>+<name>) and system robots (robot$<name>).
// The secret is shown once, works at the token service, and rotation invalidates the old one.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type Credentials, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, fieldOf, isProblem, requestToken, tokenActions } from './admin-client.js';

const TIMEOUT = 60_000;
let registry: RegistryUnderTest;
let admin: AdminClient;

function token(scope: string, credentials?: Credentials) {
  return requestToken(registry.api!.tokenUrl, registry.host, scope, credentials);
}

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
  await admin.post('/api/v1/projects', { name: 'ci', public: false });
  await admin.post('/api/v1/projects', { name: 'other', public: false });
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('project robots', () => {
  let robot: { id: string; name: string; secret: string };

  it('creates a robot: 201 {id, name: robot$<project>+<name>, secret}', async () => {
    const created = await admin.post('/api/v1/projects/ci/robots', {
      name: 'builder',
      permissions: ['pull', 'push'],
      description: 'the CI builder',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'robot$ci+builder',
      secret: expect.any(String),
    });
    robot = created.body;
    const granted = await token('repository:ci/x:pull,push,delete', {
      username: robot.name,
      password: robot.secret,
    });
    expect(granted.status).toBe(200);
    expect(tokenActions(granted.token!)).toEqual(['pull', 'push']);
    const elsewhere = await token('repository:other/x:pull', {
      username: robot.name,
      password: robot.secret,
    });
    expect(tokenActions(elsewhere.token!)).toEqual([]);
  });

  it('lists robots without secrets', async () => {
    const listed = await admin.get('/api/v1/projects/ci/robots');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      expect.objectContaining({
        id: robot.id,
        name: 'robot$ci+builder',
        description: 'the CI builder',
        permissions: [{ project: 'ci', actions: ['pull', 'push'] }],
        expiresAt: null,
        disabled: false,
      }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(robot.secret);
    expect(JSON.stringify(listed.body)).not.toMatch(/secret|hash/i);
  });

  it('rotates the secret: the new one works, the old one is refused', async () => {
    const rotated = await admin.post(`/api/v1/projects/ci/robots/${robot.id}/secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ secret: expect.any(String) });
    expect(rotated.body.secret).not.toBe(robot.secret);
    const scope = 'repository:ci/x:pull';
    expect((await token(scope, { username: robot.name, password: rotated.body.secret })).status).toBe(200);
    expect((await token(scope, { username: robot.name, password: robot.secret })).status).toBe(401);
    robot = { ...robot, secret: rotated.body.secret };
  });

  it('disables and re-enables a robot', async () => {
    const disabled = await admin.put(`/api/v1/projects/ci/robots/${robot.id}/disabled`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: robot.id, disabled: true });
    const scope = 'repository:ci/x:pull';
    expect((await token(scope, { username: robot.name, password: robot.secret })).status).toBe(401);
    await admin.put(`/api/v1/projects/ci/robots/${robot.id}/disabled`, { disabled: false });
    expect((await token(scope, { username: robot.name, password: robot.secret })).status).toBe(200);
  });

  it('stores an expiry in days', async () => {
    const created = await admin.post('/api/v1/projects/ci/robots', {
      name: 'short-lived',
      permissions: ['pull'],
      expiresInDays: 7,
    });
    expect(created.status).toBe(201);
    const listed = await admin.get('/api/v1/projects/ci/robots');
    const entry = (listed.body as { name: string; expiresAt: string }[]).find(
      (r) => r.name === 'robot$ci+short-lived',
    );
    const days = (Date.parse(entry!.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
  });

  it('answers 409 for a duplicate name and 400 for bad input', async () => {
    const duplicate = await admin.post('/api/v1/projects/ci/robots', {
      name: 'builder',
      permissions: ['pull'],
    });
    expect(isProblem(duplicate, 409)).toBe(true);
    const cases: [unknown, RegExp][] = [
      [{ permissions: ['pull'] }, /name/],
      [{ name: 'Bad Name', permissions: ['pull'] }, /name/],
      [{ name: 'a+b', permissions: ['pull'] }, /name/],
      [{ name: 'ok', permissions: [] }, /permissions/],
      [{ name: 'ok', permissions: ['fly'] }, /permissions/],
      [{ name: 'ok', permissions: 'pull' }, /permissions/],
      [{ name: 'ok', permissions: ['pull'], expiresInDays: 0 }, /expiresInDays/],
      [{ name: 'ok', permissions: ['pull'], expiresInDays: 1.5 }, /expiresInDays/],
      [{ name: 'ok', permissions: ['pull'], expiresInDays: -2 }, /expiresInDays/],
      [{ name: 'ok', permissions: ['pull'], description: 'd'.repeat(5000) }, /description/],
    ];
    for (const [body, field] of cases) {
      const response = await admin.post('/api/v1/projects/ci/robots', body);
      expect(isProblem(response, 400)).toBe(true);
      expect(response.body.title).toMatch(field);
    }
    expect(isProblem(await admin.put(`/api/v1/projects/ci/robots/${robot.id}/disabled`, {}), 400)).toBe(true);
  });

  it('answers 404 for unknown ids and for robots of another project', async () => {
    const foreign = await admin.post('/api/v1/projects/other/robots', { name: 'x', permissions: ['pull'] });
    expect(isProblem(await admin.post(`/api/v1/projects/ci/robots/${foreign.body.id}/secret`), 404)).toBe(
      true,
    );
    expect(isProblem(await admin.delete(`/api/v1/projects/ci/robots/${foreign.body.id}`), 404)).toBe(true);
    expect(isProblem(await admin.post('/api/v1/projects/ci/robots/abc/secret'), 404)).toBe(true);
    expect(isProblem(await admin.delete('/api/v1/projects/ci/robots/123456'), 404)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/projects/missing/robots'), 404)).toBe(true);
  });

  it('needs the project robots permission', async () => {
    const dev = await createUser(admin, 'dev');
    await admin.post('/api/v1/projects/ci/members', { username: 'dev', role: 'maintainer' });
    const asDev = admin.as(dev.credentials);
    expect(isProblem(await asDev.get('/api/v1/projects/ci/robots'), 403)).toBe(true);
    expect(
      isProblem(await asDev.post('/api/v1/projects/ci/robots', { name: 'mine', permissions: ['pull'] }), 403),
    ).toBe(true);
    expect(isProblem(await admin.as(undefined).get('/api/v1/projects/ci/robots'), 401)).toBe(true);
    // A robot can call the admin API but has no project actions.
    const asRobot = admin.as({ username: robot.name, password: robot.secret });
    expect(isProblem(await asRobot.get('/api/v1/projects/ci/robots'), 403)).toBe(true);
    expect(isProblem(await asRobot.post('/api/v1/projects', { name: 'robotic', public: false }), 403)).toBe(
      true,
    );
  });

  it('deletes a robot with 204; its secret stops working', async () => {
    expect((await admin.delete(`/api/v1/projects/ci/robots/${robot.id}`)).status).toBe(204);
    expect(
      (await token('repository:ci/x:pull', { username: robot.name, password: robot.secret })).status,
    ).toBe(401);
    const listed = await admin.get('/api/v1/projects/ci/robots');
    expect(fieldOf(listed)).not.toContain('robot$ci+builder');
  });
});

describe('system robots', () => {
  let robot: { id: string; name: string; secret: string };

  it('creates a system robot robot$<name> with per-project permissions', async () => {
    const created = await admin.post('/api/v1/robots', {
      name: 'mirror',
      permissions: [
        { project: 'ci', actions: ['pull'] },
        { project: '*', actions: ['pull', 'push'] },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'robot$mirror',
      secret: expect.any(String),
    });
    robot = created.body;
    const granted = await token('repository:other/x:pull,push,delete', {
      username: robot.name,
      password: robot.secret,
    });
    expect(tokenActions(granted.token!)).toEqual(['pull', 'push']);
  });

  it('lists, rotates, disables and deletes system robots', async () => {
    const listed = await admin.get('/api/v1/robots');
    expect(listed.body).toEqual([
      expect.objectContaining({ id: robot.id, name: 'robot$mirror', disabled: false }),
    ]);
    const rotated = await admin.post(`/api/v1/robots/${robot.id}/secret`);
    expect(rotated.status).toBe(200);
    expect(
      (await token('repository:ci/x:pull', { username: robot.name, password: robot.secret })).status,
    ).toBe(401);
    const fresh = { username: robot.name, password: rotated.body.secret };
    expect((await token('repository:ci/x:pull', fresh)).status).toBe(200);
    expect((await admin.put(`/api/v1/robots/${robot.id}/disabled`, { disabled: true })).body).toMatchObject({
      disabled: true,
    });
    expect((await token('repository:ci/x:pull', fresh)).status).toBe(401);
    expect((await admin.delete(`/api/v1/robots/${robot.id}`)).status).toBe(204);
    expect((await admin.get('/api/v1/robots')).body).toEqual([]);
  });

  it('validates permissions and is for system administrators only', async () => {
    const cases: unknown[] = [
      { name: 'x', permissions: ['pull'] },
      { name: 'x', permissions: [{ project: 'ci' }] },
      { name: 'x', permissions: [{ project: 'Bad/Name', actions: ['pull'] }] },
      { name: 'x', permissions: [{ project: 'ci', actions: ['own'] }] },
      { name: 'x', permissions: [] },
    ];
    for (const body of cases) {
      const response = await admin.post('/api/v1/robots', body);
      expect(isProblem(response, 400)).toBe(true);
      expect(response.body.title).toMatch(/permissions|project/);
    }
    const user = await createUser(admin, 'plain');
    const asUser = admin.as(user.credentials);
    expect(isProblem(await asUser.get('/api/v1/robots'), 403)).toBe(true);
    expect(
      isProblem(
        await asUser.post('/api/v1/robots', {
          name: 'y',
          permissions: [{ project: '*', actions: ['pull'] }],
        }),
        403,
      ),
    ).toBe(true);
    const projectRobot = await admin.post('/api/v1/projects/ci/robots', {
      name: 'scoped',
      permissions: ['pull'],
    });
    expect(isProblem(await admin.delete(`/api/v1/robots/${projectRobot.body.id}`), 404)).toBe(true);
  });
});
