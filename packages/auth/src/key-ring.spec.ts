import { describe, expect, it } from '@jest/globals';
import { signToken, newTokenClaims, verifyToken, TokenError } from './jwt.js';
import { KeyRing } from './key-ring.js';
import { generateSigningKey, publicJwk } from './keys.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const at = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);

describe('KeyRing', () => {
  it('signs with the current key and publishes it', () => {
    const key = generateSigningKey();
    const ring = new KeyRing(key);
    expect(ring.signingKey).toBe(key);
    expect(ring.publicKey(key.kid, NOW)).toBe(key.publicKey);
    expect(ring.jwks(NOW)).toEqual({ keys: [publicJwk(key)] });
  });

  it('keeps the old kid verifying after a rotation until it retires', () => {
    const first = generateSigningKey();
    const second = generateSigningKey('RS256');
    const ring = new KeyRing(first);
    const options = {
      keys: (kid: string) => ring.publicKey(kid, NOW),
      issuer: 'i',
      audience: 'a',
      now: NOW,
    };
    const oldToken = signToken(
      newTokenClaims({
        issuer: 'i',
        subject: 's',
        audience: 'a',
        access: [],
        expiresInSeconds: 300,
        now: NOW,
      }),
      ring.signingKey,
    );
    ring.rotate(second, at(330));

    expect(ring.signingKey).toBe(second);
    expect(verifyToken(oldToken, options).sub).toBe('s');
    expect(ring.jwks(at(329)).keys.map((k) => k.kid)).toEqual([second.kid, first.kid]);
    expect(ring.publicKey(first.kid, at(330))).toBeUndefined();
    expect(ring.jwks(at(331)).keys.map((k) => k.kid)).toEqual([second.kid]);
    expect(() =>
      verifyToken(oldToken, { ...options, keys: (kid: string) => ring.publicKey(kid, at(331)) }),
    ).toThrow(new TokenError('unknown_kid'));
  });

  it('ignores a rotation to the current key', () => {
    const key = generateSigningKey();
    const ring = new KeyRing(key);
    ring.rotate(key, at(10));
    expect(ring.verificationKeys(NOW)).toHaveLength(1);
  });

  it('promotes a verification key without listing it twice', () => {
    const first = generateSigningKey();
    const second = generateSigningKey();
    const ring = new KeyRing(first, [{ kid: second.kid, alg: second.alg, publicKey: second.publicKey }]);
    ring.rotate(second, at(60));
    expect(ring.verificationKeys(NOW).map((k) => k.kid)).toEqual([second.kid, first.kid]);
  });

  it('holds extra verification keys until removed or retired, never the signing kid twice', () => {
    const current = generateSigningKey();
    const forever = generateSigningKey();
    const brief = generateSigningKey();
    const ring = new KeyRing(current);
    ring.addVerificationKey(forever);
    ring.addVerificationKey(brief, at(5));
    ring.addVerificationKey(current);
    expect(ring.verificationKeys(NOW).map((k) => k.kid)).toEqual([current.kid, forever.kid, brief.kid]);
    expect(ring.verificationKeys(at(3600)).map((k) => k.kid)).toEqual([current.kid, forever.kid]);
    expect(ring.publicKey('nope', NOW)).toBeUndefined();
  });
});
