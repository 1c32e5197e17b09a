import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { ConflictError, InvalidArgumentError } from './errors.js';
import { TypeormMemberRecords } from './member-records.js';
import { TypeormProjectRecords } from './project-records.js';
import { TypeormRefreshTokenRecords } from './refresh-token-records.js';
import { TypeormUserRecords } from './user-records.js';

describe('TypeormUserRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let users: TypeormUserRecords;
  let tokens: TypeormRefreshTokenRecords;
  let serial = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    users = new TypeormUserRecords(dataSource);
    tokens = new TypeormRefreshTokenRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const inAnHour = () => new Date(Date.now() + 3600_000);

  /** A refresh token for the subject; returns its hash. */
  async function issue(subjectKind: 'user' | 'robot', subjectId: string): Promise<string> {
    const tokenHash = `hash-${++serial}`;
    await tokens.create({ tokenHash, subjectKind, subjectId, audience: 'berth', expiresAt: inAnHour() });
    return tokenHash;
  }

  describe('create and find', () => {
    it('creates an enabled, non-admin user and finds it by username and id', async () => {
      const user = await users.create({ username: 'alice', passwordHash: '$argon2id$alice' });
      expect(user).toEqual({
        id: expect.stringMatching(/^\d+$/),
        username: 'alice',
        email: null,
        passwordHash: '$argon2id$alice',
        systemAdmin: false,
        disabled: false,
        passwordChangedAt: expect.any(Date),
        createdAt: expect.any(Date),
      });
      expect(await users.findByUsername('alice')).toEqual(user);
      expect(await users.findById(user.id)).toEqual(user);
    });

    it('stores the email and the administrator flag when given', async () => {
      const user = await users.create({
        username: 'root',
        passwordHash: 'h',
        email: 'root@example.com',
        systemAdmin: true,
      });
      expect(user).toMatchObject({ email: 'root@example.com', systemAdmin: true });
    });

    it('refuses a taken username with a ConflictError, and keeps the first user', async () => {
      await users.create({ username: 'taken', passwordHash: 'first' });
      const attempt = users.create({ username: 'taken', passwordHash: 'second' });
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      await expect(attempt).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await users.findByUsername('taken'))?.passwordHash).toBe('first');
    });

    it('lets exactly one of many concurrent creates of one username win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => users.create({ username: 'raced', passwordHash: `h${i}` })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConflictError);
      }
    });

    it('treats usernames as case-sensitive', async () => {
      await users.create({ username: 'Casey', passwordHash: 'h' });
      expect(await users.findByUsername('casey')).toBeUndefined();
      await expect(users.create({ username: 'casey', passwordHash: 'h' })).resolves.toMatchObject({
        username: 'casey',
      });
    });

    it('answers a missing user, or an id that cannot exist, with undefined', async () => {
      expect(await users.findByUsername('nobody')).toBeUndefined();
      for (const id of ['999999', 'abc', '0', '-1', '1.5', '', '99999999999999999999']) {
        expect(await users.findById(id)).toBeUndefined();
      }
    });
  });

  describe('list', () => {
    const NAMES = ['list-e', 'list-a', 'list-d', 'list-c', 'list-b'];

    beforeAll(async () => {
      for (const name of NAMES) {
        await users.create({ username: name, passwordHash: `secret-${name}`, email: `${name}@Example.org` });
      }
    });

    it('pages through the matches by username with the total on every page', async () => {
      const seen: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const result = await users.list({ page, pageSize: 2, q: 'list-' });
        expect(result.total).toBe(5);
        seen.push(...result.items.map((u) => u.username));
      }
      expect(seen).toEqual([...NAMES].sort());
    });

    it('reports the total on a page past the end', async () => {
      expect(await users.list({ page: 9, pageSize: 2, q: 'list-' })).toEqual({ items: [], total: 5 });
      expect(await users.list({ page: 1, pageSize: 2, q: 'no-such-user' })).toEqual({ items: [], total: 0 });
    });

    it('never includes password hashes', async () => {
      const { items } = await users.list({ page: 1, pageSize: 100 });
      expect(items.length).toBeGreaterThan(5);
      for (const item of items) expect(item).not.toHaveProperty('passwordHash');
      expect(JSON.stringify(items)).not.toContain('secret-list');
    });

    it('filters on username or email ignoring case, with % and _ taken literally', async () => {
      expect((await users.list({ page: 1, pageSize: 10, q: 'LIST-C' })).items.map((u) => u.username)).toEqual(
        ['list-c'],
      );
      expect((await users.list({ page: 1, pageSize: 10, q: 'example.ORG' })).total).toBe(5);
      expect((await users.list({ page: 1, pageSize: 10, q: 'list%' })).total).toBe(0);
      expect((await users.list({ page: 1, pageSize: 10, q: 'list_' })).total).toBe(0);
    });

    it('sorts descending with a leading minus, and by creation time', async () => {
      const desc = await users.list({ page: 1, pageSize: 10, q: 'list-', sort: '-username' });
      expect(desc.items.map((u) => u.username)).toEqual([...NAMES].sort().reverse());
      const created = await users.list({ page: 1, pageSize: 10, q: 'list-', sort: 'createdAt' });
      expect(created.items.map((u) => u.username)).toEqual(NAMES);
    });

    it('rejects bad paging and unknown sort keys with InvalidArgumentError', async () => {
      for (const query of [
        { page: 0, pageSize: 10 },
        { page: 1, pageSize: 0 },
        { page: 1, pageSize: 101 },
        { page: 1.5, pageSize: 10 },
        { page: 1, pageSize: 10, sort: 'passwordHash' },
        { page: 1, pageSize: 10, sort: 'username; DROP TABLE users' },
      ]) {
        await expect(users.list(query)).rejects.toBeInstanceOf(InvalidArgumentError);
      }
    });
  });

  describe('changes that end sessions', () => {
    it('setPasswordHash replaces the hash, bumps passwordChangedAt and revokes only that user’s tokens', async () => {
      const user = await users.create({ username: 'rotating', passwordHash: 'old' });
      const other = await users.create({ username: 'bystander', passwordHash: 'h' });
      const mine = [await issue('user', user.id), await issue('user', user.id)];
      const theirs = await issue('user', other.id);
      const robotWithSameId = await issue('robot', user.id);

      expect(await users.setPasswordHash(user.id, 'new')).toBe(true);
      const changed = await users.findById(user.id);
      expect(changed?.passwordHash).toBe('new');
      expect(changed!.passwordChangedAt.getTime()).toBeGreaterThan(user.passwordChangedAt.getTime());
      for (const hash of mine) expect(await tokens.findValid(hash)).toBeUndefined();
      expect(await tokens.findValid(theirs)).toBeDefined();
      expect(await tokens.findValid(robotWithSameId)).toBeDefined();

      const after = await issue('user', user.id);
      expect(await tokens.findValid(after)).toBeDefined();
    });

    it('setDisabled(true) revokes the user’s tokens; re-enabling does not restore them', async () => {
      const user = await users.create({ username: 'leaving', passwordHash: 'h' });
      const hash = await issue('user', user.id);
      expect(await users.setDisabled(user.id, true)).toBe(true);
      expect((await users.findById(user.id))?.disabled).toBe(true);
      expect(await tokens.findValid(hash)).toBeUndefined();

      expect(await users.setDisabled(user.id, false)).toBe(true);
      expect((await users.findById(user.id))?.disabled).toBe(false);
      expect(await tokens.findValid(hash)).toBeUndefined();
    });

    it('setDisabled(false) leaves the tokens of an enabled user alone', async () => {
      const user = await users.create({ username: 'staying', passwordHash: 'h' });
      const hash = await issue('user', user.id);
      expect(await users.setDisabled(user.id, false)).toBe(true);
      expect(await tokens.findValid(hash)).toBeDefined();
    });

    it('answers false for a missing user', async () => {
      for (const id of ['999999', 'abc']) {
        expect(await users.setPasswordHash(id, 'x')).toBe(false);
        expect(await users.setDisabled(id, true)).toBe(false);
        expect(await users.setSystemAdmin(id, true)).toBe(false);
        expect(await users.delete(id)).toBe(false);
      }
    });
  });

  it('setSystemAdmin grants and removes administration', async () => {
    const user = await users.create({ username: 'promoted', passwordHash: 'h' });
    expect(await users.setSystemAdmin(user.id, true)).toBe(true);
    expect((await users.findById(user.id))?.systemAdmin).toBe(true);
    expect(await users.setSystemAdmin(user.id, false)).toBe(true);
    expect((await users.findById(user.id))?.systemAdmin).toBe(false);
  });

  it('delete removes the user, their memberships and their tokens', async () => {
    const projects = new TypeormProjectRecords(dataSource);
    const members = new TypeormMemberRecords(dataSource);
    const user = await users.create({ username: 'deleted', passwordHash: 'h' });
    const project = await projects.create({ name: 'user-delete', public: false });
    await members.add(project.id, user.id, 'developer');
    const hash = await issue('user', user.id);

    expect(await users.delete(user.id)).toBe(true);
    expect(await users.findById(user.id)).toBeUndefined();
    expect(await members.list(project.id)).toEqual([]);
    expect(await tokens.findValid(hash)).toBeUndefined();
    expect(await users.delete(user.id)).toBe(false);
    await expect(users.create({ username: 'deleted', passwordHash: 'h' })).resolves.toBeDefined();
  });

  it('count follows creates and deletes', async () => {
    const before = await users.count();
    const user = await users.create({ username: 'counted', passwordHash: 'h' });
    expect(await users.count()).toBe(before + 1);
    await users.delete(user.id);
    expect(await users.count()).toBe(before);
  });
});

describe('TypeormUserRecords.count on a fresh database', () => {
  it('is 0 before the first user exists', async () => {
    const database = await createTestDatabase();
    const dataSource = await openDatabase({ url: database.url, poolSize: 2 });
    try {
      expect(await new TypeormUserRecords(dataSource).count()).toBe(0);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
