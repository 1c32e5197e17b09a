import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { TypeormRepositoryRecords } from '../stores/repository-records.js';
import { ConflictError, InvalidArgumentError } from './errors.js';
import { MEMBER_ROLES, TypeormMemberRecords } from './member-records.js';
import { TypeormProjectRecords } from './project-records.js';
import { TypeormRefreshTokenRecords } from './refresh-token-records.js';
import { TypeormRobotRecords } from './robot-records.js';
import { TypeormUserRecords, type UserRecord } from './user-records.js';

describe('TypeormProjectRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let projects: TypeormProjectRecords;
  let users: TypeormUserRecords;
  let members: TypeormMemberRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    projects = new TypeormProjectRecords(dataSource);
    users = new TypeormUserRecords(dataSource);
    members = new TypeormMemberRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  describe('create and findByName', () => {
    it('creates a project and finds it by name', async () => {
      const project = await projects.create({ name: 'library', public: true });
      expect(project).toEqual({
        id: expect.stringMatching(/^\d+$/),
        name: 'library',
        public: true,
        storageLimitBytes: null,
        createdAt: expect.any(Date),
      });
      expect(await projects.findByName('library')).toEqual(project);
      expect(await projects.findByName('Library')).toBeUndefined();
      expect(await projects.findByName('missing')).toBeUndefined();
    });

    it('keeps a storage limit beyond 32 bits', async () => {
      const project = await projects.create({ name: 'quota', public: false, storageLimitBytes: 5 * 2 ** 40 });
      expect(project.storageLimitBytes).toBe(5 * 2 ** 40);
      expect((await projects.findByName('quota'))?.storageLimitBytes).toBe(5 * 2 ** 40);
    });

    it('refuses a duplicate name with ConflictError and a bad limit with InvalidArgumentError', async () => {
      await projects.create({ name: 'dup', public: false });
      await expect(projects.create({ name: 'dup', public: true })).rejects.toBeInstanceOf(ConflictError);
      expect((await projects.findByName('dup'))?.public).toBe(false);
      for (const storageLimitBytes of [-1, 1.5, Number.NaN]) {
        await expect(
          projects.create({ name: 'bad-limit', public: false, storageLimitBytes }),
        ).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      expect(await projects.findByName('bad-limit')).toBeUndefined();
    });
  });

  describe('list', () => {
    let alice: UserRecord;
    let bob: UserRecord;

    beforeAll(async () => {
      alice = await users.create({ username: 'vis-alice', passwordHash: 'h' });
      bob = await users.create({ username: 'vis-bob', passwordHash: 'h' });
      await projects.create({ name: 'vis-public', public: true });
      const a = await projects.create({ name: 'vis-private-a', public: false });
      await projects.create({ name: 'vis-private-b', public: false });
      await projects.create({ name: 'vis-public-2', public: true });
      await members.add(a.id, alice.id, 'guest');
    });

    const names = async (visibleToUserId?: string) =>
      (await projects.list({ page: 1, pageSize: 100, q: 'vis-', visibleToUserId })).items.map((p) => p.name);

    it('shows anonymous callers only public projects', async () => {
      expect(await names()).toEqual(['vis-public', 'vis-public-2']);
      expect((await projects.list({ page: 1, pageSize: 100, q: 'vis-' })).total).toBe(2);
    });

    it('shows a user public projects plus those they are a member of', async () => {
      expect(await names(alice.id)).toEqual(['vis-private-a', 'vis-public', 'vis-public-2']);
      expect(await names(bob.id)).toEqual(['vis-public', 'vis-public-2']);
    });

    it("shows everything with 'all'", async () => {
      expect(await names('all')).toEqual(['vis-private-a', 'vis-private-b', 'vis-public', 'vis-public-2']);
    });

    it('treats an id that cannot exist as anonymous', async () => {
      expect(await names('not-an-id')).toEqual(['vis-public', 'vis-public-2']);
    });

    it('pages with a stable total for the visible set', async () => {
      const seen: string[] = [];
      for (let page = 1; page <= 4; page++) {
        const result = await projects.list({ page, pageSize: 1, q: 'vis-', visibleToUserId: alice.id });
        expect(result.total).toBe(3);
        seen.push(...result.items.map((p) => p.name));
      }
      expect(seen).toEqual(['vis-private-a', 'vis-public', 'vis-public-2']);
    });

    it('sorts by name descending and rejects unknown keys', async () => {
      const result = await projects.list({
        page: 1,
        pageSize: 100,
        q: 'VIS-',
        sort: '-name',
        visibleToUserId: 'all',
      });
      expect(result.items.map((p) => p.name)).toEqual([
        'vis-public-2',
        'vis-public',
        'vis-private-b',
        'vis-private-a',
      ]);
      await expect(projects.list({ page: 1, pageSize: 10, sort: 'public' })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    });
  });

  describe('updates', () => {
    it('setPublic and setStorageLimit change an existing project and answer false otherwise', async () => {
      await projects.create({ name: 'mutable', public: false });
      expect(await projects.setPublic('mutable', true)).toBe(true);
      expect(await projects.setStorageLimit('mutable', 1024)).toBe(true);
      expect(await projects.findByName('mutable')).toMatchObject({ public: true, storageLimitBytes: 1024 });
      expect(await projects.setStorageLimit('mutable', null)).toBe(true);
      expect((await projects.findByName('mutable'))?.storageLimitBytes).toBeNull();
      expect(await projects.setPublic('missing', true)).toBe(false);
      expect(await projects.setStorageLimit('missing', 1)).toBe(false);
      await expect(projects.setStorageLimit('mutable', -5)).rejects.toBeInstanceOf(InvalidArgumentError);
    });
  });

  describe('delete', () => {
    it('removes the project with its members and robots, revoking the robots’ tokens only', async () => {
      const robots = new TypeormRobotRecords(dataSource);
      const tokens = new TypeormRefreshTokenRecords(dataSource);
      const project = await projects.create({ name: 'doomed', public: false });
      const user = await users.create({ username: 'doomed-member', passwordHash: 'h' });
      await members.add(project.id, user.id, 'maintainer');
      const robot = await robots.create({
        name: 'robot$doomed+ci',
        projectId: project.id,
        secretHash: 's',
        permissions: [{ project: 'doomed', actions: ['pull'] }],
      });
      const expiresAt = new Date(Date.now() + 3600_000);
      await tokens.create({
        tokenHash: 'doomed-robot',
        subjectKind: 'robot',
        subjectId: robot.id,
        audience: 'b',
        expiresAt,
      });
      await tokens.create({
        tokenHash: 'doomed-user',
        subjectKind: 'user',
        subjectId: user.id,
        audience: 'b',
        expiresAt,
      });

      expect(await projects.delete('doomed')).toBe(true);
      expect(await projects.findByName('doomed')).toBeUndefined();
      expect(await members.list(project.id)).toEqual([]);
      expect(await robots.findById(robot.id)).toBeUndefined();
      expect(await tokens.findValid('doomed-robot')).toBeUndefined();
      expect(await tokens.findValid('doomed-user')).toBeDefined();
      expect(await users.findById(user.id)).toBeDefined();
      expect(await projects.delete('doomed')).toBe(false);
    });
  });

  describe('repositoryCount', () => {
    beforeAll(async () => {
      const repositories = new TypeormRepositoryRecords(dataSource);
      for (const name of [
        'lib',
        'lib/a',
        'lib/a/b',
        'library/x',
        'lib2/x',
        'a_b/x',
        'axb/y',
        'a%/z',
        'ab/w',
      ]) {
        await repositories.ensure(name);
      }
    });

    it('counts the project’s repositories and nothing sharing a prefix', async () => {
      expect(await projects.repositoryCount('lib')).toBe(3);
      expect(await projects.repositoryCount('library')).toBe(1);
      expect(await projects.repositoryCount('lib/a')).toBe(2);
    });

    it('takes _ and % literally', async () => {
      expect(await projects.repositoryCount('a_b')).toBe(1);
      expect(await projects.repositoryCount('a%')).toBe(1);
      expect(await projects.repositoryCount('a_')).toBe(0);
    });

    it('is 0 for a project without repositories', async () => {
      expect(await projects.repositoryCount('nothing-here')).toBe(0);
    });
  });

  describe('accessFor', () => {
    let member: UserRecord;
    let outsider: UserRecord;
    let publicId: string;
    let privateId: string;

    beforeAll(async () => {
      member = await users.create({ username: 'acc-member', passwordHash: 'h' });
      outsider = await users.create({ username: 'acc-outsider', passwordHash: 'h' });
      publicId = (await projects.create({ name: 'acc-public', public: true })).id;
      privateId = (await projects.create({ name: 'acc-private', public: false })).id;
      await members.add(privateId, member.id, 'developer');
      await members.add(publicId, member.id, 'limited-guest');
    });

    it('describes a public project to anonymous callers and non-members', async () => {
      expect(await projects.accessFor('acc-public')).toEqual({ exists: true, id: publicId, public: true });
      expect(await projects.accessFor('acc-public', outsider.id)).toEqual({
        exists: true,
        id: publicId,
        public: true,
      });
    });

    it('gives a member their role, in public and private projects', async () => {
      expect(await projects.accessFor('acc-private', member.id)).toEqual({
        exists: true,
        id: privateId,
        public: false,
        role: 'developer',
      });
      expect(await projects.accessFor('acc-public', member.id)).toMatchObject({ role: 'limited-guest' });
    });

    it('gives no role to a non-member of a private project', async () => {
      expect(await projects.accessFor('acc-private', outsider.id)).toEqual({
        exists: true,
        id: privateId,
        public: false,
      });
      expect(await projects.accessFor('acc-private')).toEqual({ exists: true, id: privateId, public: false });
    });

    it('says a missing project does not exist, whoever asks', async () => {
      expect(await projects.accessFor('acc-missing')).toEqual({ exists: false, public: false });
      expect(await projects.accessFor('acc-missing', member.id)).toEqual({ exists: false, public: false });
    });

    it('ignores a user id that cannot exist', async () => {
      expect(await projects.accessFor('acc-private', 'robot$x')).toEqual({
        exists: true,
        id: privateId,
        public: false,
      });
    });

    it('reports every role as stored', async () => {
      for (const role of MEMBER_ROLES) {
        await members.setRole(privateId, member.id, role);
        expect((await projects.accessFor('acc-private', member.id)).role).toBe(role);
      }
    });

    it('answers with one query', async () => {
      const spy = jest.spyOn(dataSource, 'query');
      try {
        await projects.accessFor('acc-private', member.id);
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
    });
  });
});
