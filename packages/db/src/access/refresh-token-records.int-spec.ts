import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { ConflictError, InvalidArgumentError } from './errors.js';
import {
  type NewRefreshToken,
  type TokenSubjectKind,
  TypeormRefreshTokenRecords,
} from './refresh-token-records.js';

describe('TypeormRefreshTokenRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let tokens: TypeormRefreshTokenRecords;
  let serial = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    tokens = new TypeormRefreshTokenRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const secondsFromNow = (seconds: number) => new Date(Date.now() + seconds * 1000);

  async function issue(extra: Partial<NewRefreshToken> = {}): Promise<string> {
    const tokenHash = `token-${++serial}`;
    await tokens.create({
      tokenHash,
      subjectKind: 'user',
      subjectId: '1',
      audience: 'berth',
      expiresAt: secondsFromNow(3600),
      ...extra,
    });
    return tokenHash;
  }

  describe('create and findValid', () => {
    it('stores a token and finds it while valid', async () => {
      const expiresAt = secondsFromNow(3600);
      const created = await tokens.create({
        tokenHash: 'valid',
        subjectKind: 'robot',
        subjectId: '42',
        audience: 'registry.example',
        expiresAt,
      });
      expect(created).toEqual({
        id: expect.stringMatching(/^\d+$/),
        tokenHash: 'valid',
        subjectKind: 'robot',
        subjectId: '42',
        audience: 'registry.example',
        createdAt: expect.any(Date),
        expiresAt,
        revokedAt: null,
      });
      expect(await tokens.findValid('valid')).toEqual(created);
    });

    it('refuses a stored hash with ConflictError', async () => {
      const hash = await issue();
      await expect(issue({ tokenHash: hash })).rejects.toBeInstanceOf(ConflictError);
    });

    it('rejects an unknown kind or an impossible subject id with InvalidArgumentError', async () => {
      await expect(issue({ subjectKind: 'group' as TokenSubjectKind })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      await expect(issue({ subjectId: 'alice' })).rejects.toBeInstanceOf(InvalidArgumentError);
    });

    it('does not return an expired token', async () => {
      const hash = await issue({ expiresAt: secondsFromNow(-1) });
      expect(await tokens.findValid(hash)).toBeUndefined();
    });

    it('judges expiry at the given instant, a token expiring exactly then being expired', async () => {
      const expiresAt = secondsFromNow(3600);
      const hash = await issue({ expiresAt });
      expect(await tokens.findValid(hash, new Date(expiresAt.getTime() - 1))).toBeDefined();
      expect(await tokens.findValid(hash, expiresAt)).toBeUndefined();
      expect(await tokens.findValid(hash, secondsFromNow(7200))).toBeUndefined();
    });

    it('does not return an unknown token', async () => {
      expect(await tokens.findValid('never-issued')).toBeUndefined();
    });
  });

  describe('revocation', () => {
    it('revoke ends one token, and only the first call reports it', async () => {
      const hash = await issue();
      const sibling = await issue();
      expect(await tokens.revoke(hash)).toBe(true);
      expect(await tokens.findValid(hash)).toBeUndefined();
      expect(await tokens.findValid(sibling)).toBeDefined();
      expect(await tokens.revoke(hash)).toBe(false);
      expect(await tokens.revoke('never-issued')).toBe(false);
    });

    it('lets only one of concurrent revocations of a token win', async () => {
      const hash = await issue();
      const results = await Promise.all(Array.from({ length: 6 }, () => tokens.revoke(hash)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('revokeSubject ends every token of that kind and id, and counts them', async () => {
      const mine = [await issue({ subjectId: '700' }), await issue({ subjectId: '700' })];
      const alreadyRevoked = await issue({ subjectId: '700' });
      await tokens.revoke(alreadyRevoked);
      const robotSameId = await issue({ subjectKind: 'robot', subjectId: '700' });
      const otherUser = await issue({ subjectId: '701' });

      expect(await tokens.revokeSubject('user', '700')).toBe(2);
      for (const hash of mine) expect(await tokens.findValid(hash)).toBeUndefined();
      expect(await tokens.findValid(robotSameId)).toBeDefined();
      expect(await tokens.findValid(otherUser)).toBeDefined();
      expect(await tokens.revokeSubject('user', '700')).toBe(0);
      expect(await tokens.revokeSubject('user', 'abc')).toBe(0);
    });
  });

  it('prune deletes tokens expired or revoked long enough ago, and nothing else', async () => {
    const longExpired = await issue({ expiresAt: secondsFromNow(-7200) });
    const recentlyExpired = await issue({ expiresAt: secondsFromNow(-60) });
    const longRevoked = await issue();
    await tokens.revoke(longRevoked);
    await dataSource.query(
      `UPDATE refresh_tokens SET revoked_at = now() - interval '2 hours' WHERE token_hash = $1`,
      [longRevoked],
    );
    const recentlyRevoked = await issue();
    await tokens.revoke(recentlyRevoked);
    const valid = await issue();

    expect(await tokens.prune(3600)).toBeGreaterThanOrEqual(2);
    const left: { token_hash: string }[] = await dataSource.query(`SELECT token_hash FROM refresh_tokens`);
    const hashes = left.map((row) => row.token_hash);
    expect(hashes).not.toContain(longExpired);
    expect(hashes).not.toContain(longRevoked);
    expect(hashes).toEqual(expect.arrayContaining([recentlyExpired, recentlyRevoked, valid]));
    await expect(tokens.prune(-1)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
