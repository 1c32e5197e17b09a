import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { InvalidArgumentError } from './errors.js';
import { TypeormLoginFailureRecords } from './login-failure-records.js';

const WINDOW = 900;

describe('TypeormLoginFailureRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let failures: TypeormLoginFailureRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    failures = new TypeormLoginFailureRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function recordTimes(username: string, address: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) await failures.record(username, address);
  }

  /** Moves every failure of `username` `seconds` into the past. */
  async function age(username: string, seconds: number): Promise<void> {
    await dataSource.query(
      `UPDATE login_failures SET at = at - $2::double precision * interval '1 second' WHERE username = $1`,
      [username, seconds],
    );
  }

  it('counts nothing for a username and address never seen', async () => {
    expect(await failures.counts('fresh', '192.0.2.1', WINDOW)).toEqual({
      byUsername: 0,
      byAddress: 0,
      lastUsernameFailureAt: null,
      lastAddressFailureAt: null,
    });
  });

  it('counts per username across addresses and per address across usernames', async () => {
    await recordTimes('alice', '198.51.100.1', 3);
    await recordTimes('alice', '198.51.100.2', 2);
    await recordTimes('mallory-target', '198.51.100.1', 1);
    const counts = await failures.counts('alice', '198.51.100.1', WINDOW);
    expect(counts).toMatchObject({ byUsername: 5, byAddress: 4 });
    expect(counts.lastUsernameFailureAt).toBeInstanceOf(Date);
    expect(counts.lastAddressFailureAt).toBeInstanceOf(Date);
    expect(await failures.counts('ALICE', '198.51.100.3', WINDOW)).toMatchObject({
      byUsername: 0,
      byAddress: 0,
    });
  });

  it('counts only failures inside the window, and reports the latest of them', async () => {
    await recordTimes('windowed', '203.0.113.9', 2);
    await age('windowed', 1200); // 20 minutes ago: outside 15, inside 30
    await recordTimes('windowed', '203.0.113.9', 1);
    const [latest]: { at: Date }[] = await dataSource.query(
      `SELECT max(at) AS at FROM login_failures WHERE username = 'windowed'`,
    );

    const inWindow = await failures.counts('windowed', '203.0.113.9', WINDOW);
    expect(inWindow).toEqual({
      byUsername: 1,
      byAddress: 1,
      lastUsernameFailureAt: latest!.at,
      lastAddressFailureAt: latest!.at,
    });
    expect(await failures.counts('windowed', '203.0.113.9', 1800)).toMatchObject({
      byUsername: 3,
      byAddress: 3,
    });

    await age('windowed', 1200);
    expect(await failures.counts('windowed', '203.0.113.9', WINDOW)).toEqual({
      byUsername: 0,
      byAddress: 0,
      lastUsernameFailureAt: null,
      lastAddressFailureAt: null,
    });
  });

  it('clearUsername forgets the username’s failures only, which also lowers the address count', async () => {
    await recordTimes('clear-me', '203.0.113.50', 3);
    await recordTimes('keep-me', '203.0.113.50', 2);
    expect(await failures.clearUsername('clear-me')).toBe(3);
    expect(await failures.counts('clear-me', '203.0.113.50', WINDOW)).toMatchObject({
      byUsername: 0,
      byAddress: 2,
    });
    expect(await failures.counts('keep-me', '203.0.113.50', WINDOW)).toMatchObject({ byUsername: 2 });
    expect(await failures.clearUsername('clear-me')).toBe(0);
  });

  it('prune deletes failures older than the given age and keeps the rest', async () => {
    await recordTimes('prune-old', '203.0.113.60', 2);
    await age('prune-old', 7200);
    await recordTimes('prune-new', '203.0.113.60', 1);
    expect(await failures.prune(3600)).toBeGreaterThanOrEqual(2);
    expect(await failures.counts('prune-old', '203.0.113.60', 86_400)).toMatchObject({ byUsername: 0 });
    expect(await failures.counts('prune-new', '203.0.113.60', 86_400)).toMatchObject({ byUsername: 1 });
  });

  it('rejects a negative or non-finite window with InvalidArgumentError', async () => {
    await expect(failures.counts('x', 'y', -1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(failures.counts('x', 'y', Number.NaN)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(failures.prune(Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
