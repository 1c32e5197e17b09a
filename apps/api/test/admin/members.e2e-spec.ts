// Project members: add, list, change role, remove; only project admins and system admins may
// manage them, and roles decide what members may do.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistryUnderTest, type Credentials, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, isProblem, requestToken, tokenActions } from './admin-client.js';

const TIMEOUT = 60_000;
let registry: RegistryUnderTest;
let admin: AdminClient;
let owner: { id: string; credentials: Credentials };
let member: { id: string; credentials: Credentials };
let outsider: { id: string; credentials: Credentials };

/** The actions the token service grants `credentials` on `team/app`. */
async function grantedOnTeam(credentials: Credentials): Promise<string[]> {
  const { token } = await requestToken(
    registry.api!.tokenUrl,
    registry.host,
    'repository:team/app:pull,push,delete',
    credentials,
  );
  return tokenActions(token!);
}

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminClient(registry.url, registry.credentials);
  owner = await createUser(admin, 'owner');
  member = await createUser(admin, 'member');
  outsider = await createUser(admin, 'outsider');
  const created = await admin.as(owner.credentials).post('/api/v1/projects', { name: 'team', public: false });
  expect(created.status).toBe(201);
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
}, TIMEOUT);

describe('project members', () => {
  it('adds a member with 201 {userId, username, role}', async () => {
    const added = await admin
      .as(owner.credentials)
      .post('/api/v1/projects/team/members', { username: 'member', role: 'developer' });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ userId: member.id, username: 'member', role: 'developer' });
    expect(await grantedOnTeam(member.credentials)).toEqual(['pull', 'push']);
  });

  it('lists members', async () => {
    const listed = await admin.as(owner.credentials).get('/api/v1/projects/team/members');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      { userId: member.id, username: 'member', role: 'developer' },
      { userId: owner.id, username: 'owner', role: 'admin' },
    ]);
  });

  it('answers 409 for an existing member and 400 for bad input', async () => {
    const asOwner = admin.as(owner.credentials);
    expect(
      isProblem(
        await asOwner.post('/api/v1/projects/team/members', { username: 'member', role: 'guest' }),
        409,
      ),
    ).toBe(true);
    const cases: [unknown, RegExp][] = [
      [{ username: 'member' }, /role/],
      [{ username: 'member', role: 'owner' }, /role/],
      [{ username: 'nobody-here', role: 'guest' }, /username/],
      [{ username: 42, role: 'guest' }, /username/],
      [{ role: 'guest' }, /username/],
      [null, /body/],
    ];
    for (const [body, field] of cases) {
      const response = await asOwner.post('/api/v1/projects/team/members', body);
      expect(isProblem(response, 400)).toBe(true);
      expect(response.body.title).toMatch(field);
    }
  });

  it('changes a role with PUT, which changes what the member may do', async () => {
    const changed = await admin
      .as(owner.credentials)
      .put(`/api/v1/projects/team/members/${member.id}`, { role: 'maintainer' });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ userId: member.id, username: 'member', role: 'maintainer' });
    expect(await grantedOnTeam(member.credentials)).toEqual(['delete', 'pull', 'push']);
    expect(
      isProblem(await admin.put(`/api/v1/projects/team/members/${member.id}`, { role: 'boss' }), 400),
    ).toBe(true);
    expect(
      isProblem(await admin.put(`/api/v1/projects/team/members/${outsider.id}`, { role: 'guest' }), 404),
    ).toBe(true);
    expect(isProblem(await admin.put('/api/v1/projects/team/members/abc', { role: 'guest' }), 404)).toBe(
      true,
    );
  });

  it('refuses members management to non-admin members, outsiders and anonymous callers', async () => {
    const asMember = admin.as(member.credentials);
    expect(isProblem(await asMember.get('/api/v1/projects/team/members'), 403)).toBe(true);
    expect(
      isProblem(
        await asMember.post('/api/v1/projects/team/members', { username: 'outsider', role: 'admin' }),
        403,
      ),
    ).toBe(true);
    expect(isProblem(await admin.as(outsider.credentials).get('/api/v1/projects/team/members'), 404)).toBe(
      true,
    );
    expect(isProblem(await admin.as(undefined).get('/api/v1/projects/team/members'), 401)).toBe(true);
    expect(isProblem(await admin.get('/api/v1/projects/nope/members'), 404)).toBe(true);
  });

  it('lets a member with role admin manage members, and a system admin too', async () => {
    await admin.put(`/api/v1/projects/team/members/${member.id}`, { role: 'admin' });
    expect((await admin.as(member.credentials).get('/api/v1/projects/team/members')).status).toBe(200);
    await admin.as(member.credentials).put(`/api/v1/projects/team/members/${member.id}`, { role: 'guest' });
    expect(await grantedOnTeam(member.credentials)).toEqual(['pull']);
    expect(isProblem(await admin.as(member.credentials).get('/api/v1/projects/team/members'), 403)).toBe(
      true,
    );
  });

  it('lets a guest read the project but not change it', async () => {
    const asMember = admin.as(member.credentials);
    expect((await asMember.get('/api/v1/projects/team')).status).toBe(200);
    expect(isProblem(await asMember.put('/api/v1/projects/team', { public: true }), 403)).toBe(true);
    expect(isProblem(await asMember.delete('/api/v1/projects/team'), 403)).toBe(true);
  });

  it('removes a member with 204', async () => {
    const removed = await admin.as(owner.credentials).delete(`/api/v1/projects/team/members/${member.id}`);
    expect(removed.status).toBe(204);
    expect(await grantedOnTeam(member.credentials)).toEqual([]);
    expect(isProblem(await admin.delete(`/api/v1/projects/team/members/${member.id}`), 404)).toBe(true);
  });
});
