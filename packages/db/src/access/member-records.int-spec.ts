import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from './errors.js';
import { type MemberRole, TypeormMemberRecords } from './member-records.js';
import { TypeormProjectRecords } from './project-records.js';
import { TypeormUserRecords } from './user-records.js';

describe('TypeormMemberRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let members: TypeormMemberRecords;
  let users: TypeormUserRecords;
  let projects: TypeormProjectRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    members = new TypeormMemberRecords(dataSource);
    users = new TypeormUserRecords(dataSource);
    projects = new TypeormProjectRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const project = (name: string) => projects.create({ name, public: false });
  const user = (username: string) => users.create({ username, passwordHash: 'h' });

  it('adds a member and lists the project’s members by username', async () => {
    const p = await project('team');
    const zoe = await user('zoe');
    const adam = await user('adam');
    const added = await members.add(p.id, zoe.id, 'admin');
    expect(added).toEqual({ userId: zoe.id, username: 'zoe', role: 'admin', createdAt: expect.any(Date) });
    await members.add(p.id, adam.id, 'limited-guest');
    expect(await members.list(p.id)).toEqual([
      { userId: adam.id, username: 'adam', role: 'limited-guest', createdAt: expect.any(Date) },
      added,
    ]);
  });

  it('refuses a second membership of the same user with ConflictError, keeping the first role', async () => {
    const p = await project('twice');
    const u = await user('twice-user');
    await members.add(p.id, u.id, 'guest');
    await expect(members.add(p.id, u.id, 'admin')).rejects.toBeInstanceOf(ConflictError);
    expect((await members.list(p.id)).map((m) => m.role)).toEqual(['guest']);
  });

  it('lets a user be a member of several projects with different roles', async () => {
    const u = await user('multi');
    const a = await project('multi-a');
    const b = await project('multi-b');
    await members.add(a.id, u.id, 'developer');
    await members.add(b.id, u.id, 'maintainer');
    expect((await members.list(a.id))[0]?.role).toBe('developer');
    expect((await members.list(b.id))[0]?.role).toBe('maintainer');
  });

  it('throws NotFoundError for a missing project or user, or ids that cannot exist', async () => {
    const p = await project('lonely');
    const u = await user('lonely-user');
    await expect(members.add('999999', u.id, 'guest')).rejects.toBeInstanceOf(NotFoundError);
    await expect(members.add(p.id, '999999', 'guest')).rejects.toBeInstanceOf(NotFoundError);
    await expect(members.add('abc', u.id, 'guest')).rejects.toBeInstanceOf(NotFoundError);
    await expect(members.add(p.id, 'abc', 'guest')).rejects.toBeInstanceOf(NotFoundError);
    expect(await members.list(p.id)).toEqual([]);
  });

  it('rejects an unknown role with InvalidArgumentError', async () => {
    const p = await project('roles');
    const u = await user('roles-user');
    await expect(members.add(p.id, u.id, 'owner' as MemberRole)).rejects.toBeInstanceOf(InvalidArgumentError);
    await members.add(p.id, u.id, 'guest');
    await expect(members.setRole(p.id, u.id, 'root' as MemberRole)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('setRole changes a member’s role and answers false for a non-member', async () => {
    const p = await project('promote');
    const u = await user('promote-user');
    const stranger = await user('promote-stranger');
    await members.add(p.id, u.id, 'guest');
    expect(await members.setRole(p.id, u.id, 'maintainer')).toBe(true);
    expect((await members.list(p.id))[0]?.role).toBe('maintainer');
    expect(await members.setRole(p.id, stranger.id, 'admin')).toBe(false);
    expect(await members.setRole('abc', u.id, 'admin')).toBe(false);
    expect(await members.list(p.id)).toHaveLength(1);
  });

  it('remove ends a membership once', async () => {
    const p = await project('leave');
    const u = await user('leave-user');
    await members.add(p.id, u.id, 'developer');
    expect(await members.remove(p.id, u.id)).toBe(true);
    expect(await members.list(p.id)).toEqual([]);
    expect(await members.remove(p.id, u.id)).toBe(false);
    expect(await members.remove('abc', 'def')).toBe(false);
    expect(await users.findById(u.id)).toBeDefined();
  });

  it('lists nothing for a missing project', async () => {
    expect(await members.list('999999')).toEqual([]);
    expect(await members.list('abc')).toEqual([]);
  });
});
