// The audit log: every permission, robot, user and project change leaves an event naming actor,
// action and resource, and never a secret or password.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, isProblem, requestToken } from './admin-client.js';

const TIMEOUT = 60_000;
let registry: RegistryUnderTest;
let admin: AdminClient;

interface Event {
  actor: string;
  action: string;
  resource: string;
  outcome: string;
  detail: Record<string, unknown> | null;
}

async function allEvents(): Promise<Event[]> {
  const response = await admin.get('/api/v1/audit-logs?pageSize=100');
  expect(response.status).toBe(200);
  return response.body as Event[];
}

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('GET /api/v1/audit-logs', () => {
  const secrets: string[] = [];

  beforeAll(async () => {
    const user = await createUser(admin, 'audited', 'audited-password-1');
    secrets.push('audited-password-1');
    await admin.post('/api/v1/projects', { name: 'trail', public: false });
    await admin.post('/api/v1/projects/trail/members', { username: 'audited', role: 'guest' });
    await admin.put(`/api/v1/projects/trail/members/${user.id}`, { role: 'developer' });
    await admin.delete(`/api/v1/projects/trail/members/${user.id}`);
    await admin.put(`/api/v1/users/${user.id}/admin`, { systemAdmin: true });
    await admin.put(`/api/v1/users/${user.id}/admin`, { systemAdmin: false });
    const robot = await admin.post('/api/v1/projects/trail/robots', { name: 'bot', permissions: ['pull'] });
    secrets.push(robot.body.secret);
    const rotated = await admin.post(`/api/v1/projects/trail/robots/${robot.body.id}/secret`);
    secrets.push(rotated.body.secret);
    await admin.put(`/api/v1/projects/trail/robots/${robot.body.id}/disabled`, { disabled: true });
    await admin.delete(`/api/v1/projects/trail/robots/${robot.body.id}`);
    await admin.put(`/api/v1/users/${user.id}/password`, { newPassword: 'audited-password-2' });
    secrets.push('audited-password-2');
    await admin.put(`/api/v1/users/${user.id}/disabled`, { disabled: true });
    await admin.delete(`/api/v1/users/${user.id}`);
    await admin.delete('/api/v1/projects/trail');
    await requestToken(registry.api!.tokenUrl, registry.host, 'repository:trail/x:pull', {
      username: 'admin',
      password: 'a-wrong-password',
    });
    secrets.push('a-wrong-password');
  }, TIMEOUT);

  it('records every change with actor, action and resource', async () => {
    const events = await allEvents();
    const seen = events.map((e) => `${e.actor} ${e.action} ${e.resource}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        'admin user.create user:audited',
        'admin project.create project:trail',
        'admin member.add project:trail',
        'admin member.update project:trail',
        'admin member.remove project:trail',
        'admin user.admin.grant user:audited',
        'admin user.admin.revoke user:audited',
        'admin robot.create robot:robot$trail+bot',
        'admin robot.rotate robot:robot$trail+bot',
        'admin robot.disable robot:robot$trail+bot',
        'admin robot.delete robot:robot$trail+bot',
        'admin user.disable user:audited',
        'admin user.delete user:audited',
        'admin project.delete project:trail',
        'admin login token',
      ]),
    );
    const add = events.find((e) => e.action === 'member.add');
    expect(add?.detail).toEqual({ username: 'audited', role: 'guest' });
  });

  it('never records a secret or password', async () => {
    const text = JSON.stringify(await allEvents());
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"(password|secret|secretHash|passwordHash)"/);
  });

  it('is newest first, paged with X-Total-Count, and filterable with q', async () => {
    const events = await allEvents();
    expect(events[0]?.action).toBe('login');
    const page = await admin.get('/api/v1/audit-logs?pageSize=3&q=robot.');
    expect(page.headers.get('x-total-count')).toBe('4');
    expect(page.body).toHaveLength(3);
    expect(page.headers.get('link')).toContain('rel="next"');
    expect(isProblem(await admin.get('/api/v1/audit-logs?since=yesterday'), 400)).toBe(true);
    const future = await admin.get(`/api/v1/audit-logs?since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body).toEqual([]);
  });

  it('is for system administrators only', async () => {
    const viewer = await createUser(admin, 'viewer');
    expect(isProblem(await admin.as(viewer.credentials).get('/api/v1/audit-logs'), 403)).toBe(true);
    expect(isProblem(await admin.as(undefined).get('/api/v1/audit-logs'), 401)).toBe(true);
  });
});
