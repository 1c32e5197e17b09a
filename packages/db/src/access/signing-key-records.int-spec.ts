import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { TypeormSigningKeyRecords } from './signing-key-records.js';

const jwk = (kid: string, x = 'x-coordinate') => ({
  kty: 'EC',
  kid,
  alg: 'ES256',
  use: 'sig',
  crv: 'P-256',
  x,
  y: 'y',
});

describe('TypeormSigningKeyRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let keys: TypeormSigningKeyRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    keys = new TypeormSigningKeyRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const kids = async (options?: { includeRetiredSince?: Date }) =>
    (await keys.list(options)).map((k) => k.kid);
  const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

  it('publishes a key once: publishing the kid again changes nothing', async () => {
    expect(await keys.publish('k-once', jwk('k-once'))).toBe(true);
    expect(await keys.publish('k-once', jwk('k-once', 'another-x'))).toBe(false);
    const [stored] = (await keys.list()).filter((k) => k.kid === 'k-once');
    expect(stored).toEqual({
      kid: 'k-once',
      jwk: jwk('k-once'),
      createdAt: expect.any(Date),
      retiredAt: null,
    });
  });

  it('lets exactly one of many replicas publishing the same key at once insert it', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => keys.publish('k-raced', jwk('k-raced'))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await kids()).filter((kid) => kid === 'k-raced')).toHaveLength(1);
  });

  it('lists active keys newest first', async () => {
    await keys.publish('k-old', jwk('k-old'));
    await keys.publish('k-new', jwk('k-new'));
    await dataSource.query(
      `UPDATE signing_keys SET created_at = now() - interval '1 day' WHERE kid = 'k-old'`,
    );
    const listed = await kids();
    expect(listed.indexOf('k-new')).toBeLessThan(listed.indexOf('k-old'));
  });

  it('drops a retired key, unless it retired after includeRetiredSince', async () => {
    await keys.publish('k-retired', jwk('k-retired'));
    const before = minutesFromNow(-1);
    expect(await keys.retire('k-retired')).toBe(true);
    expect(await kids()).not.toContain('k-retired');
    expect(await kids({ includeRetiredSince: before })).toContain('k-retired');
    expect(await kids({ includeRetiredSince: minutesFromNow(1) })).not.toContain('k-retired');
    const [retired] = (await keys.list({ includeRetiredSince: before })).filter((k) => k.kid === 'k-retired');
    expect(retired?.retiredAt).toBeInstanceOf(Date);
  });

  it('keeps listing a key retiring in the future, until then', async () => {
    await keys.publish('k-retiring', jwk('k-retiring'));
    const at = minutesFromNow(10);
    expect(await keys.retire('k-retiring', at)).toBe(true);
    const [retiring] = (await keys.list()).filter((k) => k.kid === 'k-retiring');
    expect(retiring?.retiredAt).toEqual(at);
    await dataSource.query(
      `UPDATE signing_keys SET retired_at = now() - interval '1 second' WHERE kid = 'k-retiring'`,
    );
    expect(await kids()).not.toContain('k-retiring');
  });

  it('keeps the earlier retirement when retired twice', async () => {
    await keys.publish('k-twice', jwk('k-twice'));
    const early = minutesFromNow(5);
    await keys.retire('k-twice', early);
    expect(await keys.retire('k-twice', minutesFromNow(60))).toBe(true);
    const [key] = (await keys.list()).filter((k) => k.kid === 'k-twice');
    expect(key?.retiredAt).toEqual(early);
  });

  it('does not un-retire a key published again', async () => {
    await keys.publish('k-back', jwk('k-back'));
    await keys.retire('k-back');
    expect(await keys.publish('k-back', jwk('k-back'))).toBe(false);
    expect(await kids()).not.toContain('k-back');
  });

  it('answers false when retiring an unknown kid', async () => {
    expect(await keys.retire('k-unknown')).toBe(false);
  });
});
