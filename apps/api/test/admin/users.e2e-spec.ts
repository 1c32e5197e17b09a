// The admin API's users: create (system admin), list with paging headers, read, current,
// password change (self with the old password, or admin), disable, admin grant, delete.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, fieldOf, isProblem, requestToken } from './admin-client.js';

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

describe('POST /api/v1/users', () => {
  it('creates a user and answers 201 {id, username}', async () => {
    const response = await admin.post('/api/v1/users', {
      username: 'erin',
      password: 'erin-password',
      email: 'erin@example.com',
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.any(String), username: 'erin' });
    const login = await requestToken(registry.api!.tokenUrl, registry.host, 'repository:x/y:pull', {
      username: 'erin',
      password: 'erin-password',
    });
    expect(login.status).toBe(200);
  });

  it('answers 409 for a taken username', async () => {
    const response = await admin.post('/api/v1/users', { username: 'admin', password: 'whatever-password' });
    expect(isProblem(response, 409)).toBe(true);
  });

  it.each([
    [{ password: 'long-enough' }, /username/],
    [{ username: 'A', password: 'long-enough' }, /username/],
    [{ username: 'x', password: 'long-enough' }, /username/],
    [{ username: 'has space', password: 'long-enough' }, /username/],
    [{ username: 'u'.repeat(65), password: 'long-enough' }, /username/],
    [{ username: 'okname', password: 'short' }, /password/],
    [{ username: 'okname', password: 12345678 }, /password/],
    [{ username: 'okname', password: 'p'.repeat(5000) }, /password/],
    [{ username: 'okname', password: 'long-enough', email: 'nope' }, /email/],
    [{ username: 'okname', password: 'long-enough', email: 5 }, /email/],
  ])('answers 400 naming the field (case %#)', async (body, field) => {
    const response = await admin.post('/api/v1/users', body);
    expect(isProblem(response, 400)).toBe(true);
    expect(response.body.title).toMatch(field);
  });

  it('is for system administrators only', async () => {
    const plain = await createUser(admin, 'frank');
    const response = await admin
      .as(plain.credentials)
      .post('/api/v1/users', { username: 'sneaky', password: 'sneaky-password' });
    expect(isProblem(response, 403)).toBe(true);
    expect(isProblem(await admin.as(undefined).get('/api/v1/users'), 401)).toBe(true);
    expect(isProblem(await admin.as(plain.credentials).get('/api/v1/users'), 403)).toBe(true);
  });
});

describe('GET /api/v1/users', () => {
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) await createUser(admin, `lister${i}`);
  });

  it('pages with X-Total-Count and Link, filters with q, sorts with sort', async () => {
    const first = await admin.get('/api/v1/users?q=lister&pageSize=2');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-total-count')).toBe('3');
    expect(first.headers.get('link')).toContain('rel="next"');
    expect(first.body).toEqual([
      expect.objectContaining({ username: 'lister0', systemAdmin: false, disabled: false }),
      expect.objectContaining({ username: 'lister1' }),
    ]);
    expect(JSON.stringify(first.body)).not.toMatch(/password|hash/i);
    const second = await admin.get('/api/v1/users?q=lister&pageSize=2&page=2');
    expect(fieldOf(second, 'username')).toEqual(['lister2']);
    expect(second.headers.get('link') ?? '').not.toContain('rel="next"');
    const sorted = await admin.get('/api/v1/users?q=lister&sort=-username');
    expect(sorted.body[0].username).toBe('lister2');
  });

  it('caps pageSize at 100 and rejects bad paging', async () => {
    expect((await admin.get('/api/v1/users?pageSize=1000')).status).toBe(200);
    expect(isProblem(await admin.get('/api/v1/users?page=-1'), 400)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/users?page=1&page=2'), 400)).toBe(true);
    expect(isProblem(await admin.get(`/api/v1/users?q=${'q'.repeat(1000)}`), 400)).toBe(true);
  });
});

describe('GET /api/v1/users/{id} and /current', () => {
  it('reads a user by id, and the caller as current', async () => {
    const gina = await createUser(admin, 'gina');
    const byId = await admin.get(`/api/v1/users/${gina.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ id: gina.id, username: 'gina', systemAdmin: false });
    const current = await admin.as(gina.credentials).get('/api/v1/users/current');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ id: gina.id, username: 'gina' });
    const self = await admin.as(gina.credentials).get(`/api/v1/users/${gina.id}`);
    expect(self.status).toBe(200);
    const adminCurrent = await admin.get('/api/v1/users/current');
    expect(adminCurrent.body).toMatchObject({ username: 'admin', systemAdmin: true });
    expect(
      isProblem(await admin.as(gina.credentials).get(`/api/v1/users/${adminCurrent.body.id}`), 403),
    ).toBe(true);
  });

  it('answers 404 for unknown or malformed ids', async () => {
    expect(isProblem(await admin.get('/api/v1/users/abc'), 404)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/users/999999'), 404)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/users/99999999999999999999999'), 404)).toBe(true);
  });
});

describe('PUT /api/v1/users/{id}/password', () => {
  it('lets a user change their own password with the old one', async () => {
    const hank = await createUser(admin, 'hank', 'hank-old-password');
    const asHank = admin.as(hank.credentials);
    const withoutOld = await asHank.put(`/api/v1/users/${hank.id}/password`, {
      newPassword: 'hank-new-password',
    });
    expect(isProblem(withoutOld, 400)).toBe(true);
    const wrongOld = await asHank.put(`/api/v1/users/${hank.id}/password`, {
      oldPassword: 'not-it-at-all',
      newPassword: 'hank-new-password',
    });
    expect(isProblem(wrongOld, 403)).toBe(true);
    const changed = await asHank.put(`/api/v1/users/${hank.id}/password`, {
      oldPassword: 'hank-old-password',
      newPassword: 'hank-new-password',
    });
    expect(changed.status).toBe(204);
    expect((await asHank.get('/api/v1/users/current')).status).toBe(401);
    const relogged = admin.as({ username: 'hank', password: 'hank-new-password' });
    expect((await relogged.get('/api/v1/users/current')).status).toBe(200);
  });

  it("lets an admin reset anyone's password, and nobody else", async () => {
    const ivy = await createUser(admin, 'ivy');
    const jack = await createUser(admin, 'jack');
    const denied = await admin.as(jack.credentials).put(`/api/v1/users/${ivy.id}/password`, {
      oldPassword: ivy.credentials.password,
      newPassword: 'jack-was-here',
    });
    expect(isProblem(denied, 403)).toBe(true);
    const reset = await admin.put(`/api/v1/users/${ivy.id}/password`, { newPassword: 'reset-by-admin' });
    expect(reset.status).toBe(204);
    expect(
      (await admin.as({ username: 'ivy', password: 'reset-by-admin' }).get('/api/v1/users/current')).status,
    ).toBe(200);
    expect(
      isProblem(await admin.put(`/api/v1/users/${ivy.id}/password`, { newPassword: 'short' }), 400),
    ).toBe(true);
    expect(
      isProblem(await admin.put('/api/v1/users/abc/password', { newPassword: 'long-enough-pw' }), 404),
    ).toBe(true);
  });
});

describe('PUT /api/v1/users/{id}/disabled and /admin', () => {
  it('disables a user, who then cannot log in anywhere', async () => {
    const kim = await createUser(admin, 'kim');
    const disabled = await admin.put(`/api/v1/users/${kim.id}/disabled`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: kim.id, disabled: true });
    expect(isProblem(await admin.as(kim.credentials).get('/api/v1/users/current'), 401)).toBe(true);
    const token = await requestToken(
      registry.api!.tokenUrl,
      registry.host,
      'repository:x/y:pull',
      kim.credentials,
    );
    expect(token.status).toBe(401);
    await admin.put(`/api/v1/users/${kim.id}/disabled`, { disabled: false });
    expect((await admin.as(kim.credentials).get('/api/v1/users/current')).status).toBe(200);
    expect(isProblem(await admin.put(`/api/v1/users/${kim.id}/disabled`, { disabled: 'yes' }), 400)).toBe(
      true,
    );
  });

  it('grants and revokes system administration', async () => {
    const lee = await createUser(admin, 'lee');
    const granted = await admin.put(`/api/v1/users/${lee.id}/admin`, { systemAdmin: true });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ systemAdmin: true });
    expect((await admin.as(lee.credentials).get('/api/v1/users')).status).toBe(200);
    const revoked = await admin.put(`/api/v1/users/${lee.id}/admin`, { systemAdmin: false });
    expect(revoked.body).toMatchObject({ systemAdmin: false });
    expect(isProblem(await admin.as(lee.credentials).get('/api/v1/users'), 403)).toBe(true);
    expect(isProblem(await admin.put(`/api/v1/users/${lee.id}/admin`, {}), 400)).toBe(true);
  });

  it('keeps the last administrator and refuses to disable yourself', async () => {
    const me = (await admin.get('/api/v1/users/current')).body;
    expect(isProblem(await admin.put(`/api/v1/users/${me.id}/admin`, { systemAdmin: false }), 409)).toBe(
      true,
    );
    expect(isProblem(await admin.put(`/api/v1/users/${me.id}/disabled`, { disabled: true }), 409)).toBe(true);
  });
});

describe('DELETE /api/v1/users/{id}', () => {
  it('deletes a user with 204', async () => {
    const mo = await createUser(admin, 'mo');
    expect((await admin.delete(`/api/v1/users/${mo.id}`)).status).toBe(204);
    expect(isProblem(await admin.get(`/api/v1/users/${mo.id}`), 404)).toBe(true);
    expect(isProblem(await admin.as(mo.credentials).get('/api/v1/users/current'), 401)).toBe(true);
    expect(isProblem(await admin.delete(`/api/v1/users/${mo.id}`), 404)).toBe(true);
  });

  it('refuses to delete yourself, and non-admins cannot delete', async () => {
    const me = (await admin.get('/api/v1/users/current')).body;
    expect(isProblem(await admin.delete(`/api/v1/users/${me.id}`), 409)).toBe(true);
    const ned = await createUser(admin, 'ned');
    expect(isProblem(await admin.as(ned.credentials).delete(`/api/v1/users/${me.id}`), 403)).toBe(true);
  });

  it('lets an administrator demote another while one remains', async () => {
    const otto = await createUser(admin, 'otto');
    await admin.put(`/api/v1/users/${otto.id}/admin`, { systemAdmin: true });
    const asOtto = admin.as(otto.credentials);
    const demoted = await asOtto.put(`/api/v1/users/${otto.id}/admin`, { systemAdmin: false });
    expect(demoted.status).toBe(200);
    expect(demoted.body).toMatchObject({ systemAdmin: false });
  });
});
