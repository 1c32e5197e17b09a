import { parseOptions } from '@node-rs/argon2';
import { describe, expect, it } from '@jest/globals';
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  PASSWORD_HASH_OPTIONS,
  passwordNeedsRehash,
  verifyPassword,
} from './password.js';

describe('hashPassword and verifyPassword', () => {
  it('hashes with argon2id and the documented parameters, salted', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(passwordNeedsRehash(a)).toBe(false);
  });

  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('s3cret-é');
    expect(await verifyPassword(stored, 's3cret-é')).toBe(true);
    expect(await verifyPassword(stored, 's3cret-e')).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
    expect(await verifyPassword(stored, 's3cret-é ')).toBe(false);
  });

  it('hashes and verifies the empty password (policy is the caller’s)', async () => {
    expect(await verifyPassword(await hashPassword(''), '')).toBe(true);
  });

  it('refuses to hash over-long passwords, and never matches them', async () => {
    const long = 'x'.repeat(MAX_PASSWORD_LENGTH + 1);
    await expect(hashPassword(long)).rejects.toThrow(RangeError);
    const stored = await hashPassword('x'.repeat(MAX_PASSWORD_LENGTH));
    expect(await verifyPassword(stored, 'x'.repeat(MAX_PASSWORD_LENGTH))).toBe(true);
    expect(await verifyPassword(stored, long)).toBe(false);
  });

  it.each<[string, string | undefined | null]>([
    ['an unknown user (undefined)', undefined],
    ['null', null],
    ['an empty hash', ''],
    ['a corrupt hash', '$argon2id$v=19$m=19456,t=2,p=1$broken'],
    ['a bcrypt-looking hash', '$2b$10$abcdefghijklmnopqrstuv'],
    ['plain text', 'password'],
  ])('returns false for %s without throwing', async (_label, stored) => {
    expect(await verifyPassword(stored, 'password')).toBe(false);
  });

  it('spends comparable work for an unknown user and a wrong password', async () => {
    const stored = await hashPassword('right');
    const elapsed = async (fn: () => Promise<boolean>): Promise<number> => {
      const start = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - start);
    };
    await verifyPassword(undefined, 'warm-up');
    let unknown = 0;
    let wrong = 0;
    // Interleaved, so that load from other test workers falls on both sides alike.
    for (let i = 0; i < 5; i++) {
      unknown += await elapsed(() => verifyPassword(undefined, 'wrong'));
      wrong += await elapsed(() => verifyPassword(stored, 'wrong'));
    }
    // The same argon2id work on both paths (an early `return false` would be ~1000x faster);
    // the band is wide because CI timing is noisy.
    expect(unknown / wrong).toBeGreaterThan(0.1);
    expect(unknown / wrong).toBeLessThan(10);
  });
});

describe('passwordNeedsRehash', () => {
  it('flags weaker parameters and garbage', async () => {
    const { hash } = await import('@node-rs/argon2');
    const weak = await hash('p', { ...PASSWORD_HASH_OPTIONS, timeCost: 1, memoryCost: 4096 });
    expect(passwordNeedsRehash(weak)).toBe(true);
    expect(passwordNeedsRehash('not a hash')).toBe(true);
  });

  it('matches the dummy hash parameters to the current ones', () => {
    // verifyPassword's dummy hash must cost what a real one does; its parameters are in the PHC string.
    expect(passwordNeedsRehash(DUMMY_PASSWORD_HASH)).toBe(false);
    expect(parseOptions(DUMMY_PASSWORD_HASH)).toMatchObject({
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
    });
  });
});
