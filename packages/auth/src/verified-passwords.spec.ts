import { describe, expect, it } from '@jest/globals';
import { hashPassword, verifyPassword } from './password.js';
import { VerifiedPasswords } from './verified-passwords.js';

/** A VerifiedPasswords over the real argon2id check, counting the checks it runs, on a settable clock. */
function counted(ttlMs = 60_000) {
  const state = { now: 1_000_000, argon2: 0 };
  const cache = new VerifiedPasswords(
    ttlMs,
    () => state.now,
    async (stored, password) => {
      state.argon2++;
      return verifyPassword(stored, password);
    },
  );
  return { cache, state };
}

describe('VerifiedPasswords', () => {
  it('skips argon2 for a password that matched recently, and only for that one', async () => {
    const stored = await hashPassword('right-password');
    const { cache, state } = counted();
    expect(await cache.check(stored, 'right-password')).toBe(true);
    expect(await cache.check(stored, 'right-password')).toBe(true);
    expect(state.argon2).toBe(1);
    expect(await cache.check(stored, 'wrong-password')).toBe(false);
    expect(await cache.check(stored, 'right-password ')).toBe(false);
    expect(await cache.check(stored, '')).toBe(false);
    expect(state.argon2).toBe(4);
  });

  it('checks again once the entry expired', async () => {
    const stored = await hashPassword('right-password');
    const { cache, state } = counted(1000);
    await cache.check(stored, 'right-password');
    state.now += 999;
    await cache.check(stored, 'right-password');
    expect(state.argon2).toBe(1);
    state.now += 1;
    expect(await cache.check(stored, 'right-password')).toBe(true);
    expect(state.argon2).toBe(2);
  });

  it('forgets the old password as soon as the stored hash changes', async () => {
    const before = await hashPassword('old-password');
    const after = await hashPassword('new-password');
    const { cache } = counted();
    expect(await cache.check(before, 'old-password')).toBe(true);
    expect(await cache.check(after, 'old-password')).toBe(false);
    expect(await cache.check(after, 'new-password')).toBe(true);
  });

  it('never remembers a failure, nor an unknown user', async () => {
    const { cache, state } = counted();
    expect(await cache.check(undefined, 'x')).toBe(false);
    expect(await cache.check(undefined, 'x')).toBe(false);
    expect(await cache.check('not-a-hash', 'x')).toBe(false);
    expect(await cache.check('not-a-hash', 'x')).toBe(false);
    expect(state.argon2).toBe(4);
  });
});
