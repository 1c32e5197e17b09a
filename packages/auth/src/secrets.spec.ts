import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { generateSecret, hashToken, timingSafeEqualString } from './secrets.js';

describe('generateSecret', () => {
  it('returns 32 random bytes as unpadded base64url', () => {
    const secrets = new Set(Array.from({ length: 100 }, generateSecret));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    }
  });
});

describe('hashToken', () => {
  it('is lowercase hex SHA-256 of the UTF-8 text', () => {
    expect(hashToken('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hashToken('é')).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex'),
    );
    expect(hashToken('abc')).not.toBe(hashToken('abd'));
  });
});

describe('timingSafeEqualString', () => {
  it.each<[string, string, boolean]>([
    ['', '', true],
    ['secret', 'secret', true],
    ['secret', 'Secret', false],
    ['secret', 'secret ', false],
    ['secret', '', false],
    ['short', 'a much longer string than the other one', false],
    ['é', 'e\u0301', false],
  ])('%j vs %j → %s', (a, b, equal) => {
    expect(timingSafeEqualString(a, b)).toBe(equal);
    expect(timingSafeEqualString(b, a)).toBe(equal);
  });
});
