import { type KeyObject } from 'node:crypto';
import { jwks, type Jwks, type SigningKey, type VerificationKey } from './keys.js';

interface RetiringKey {
  key: VerificationKey;
  /** After this instant the key verifies nothing; undefined: until removed. */
  retireAt: Date | undefined;
}

/**
 * The token service's keys: one current signing key, plus older keys that still verify the
 * tokens they signed. Rotation keeps the old `kid` valid until its last token has expired, so
 * a rotation never logs anybody out. Time is passed in (`now`), never read behind the caller's
 * back, except as the default.
 */
export class KeyRing {
  private current: SigningKey;
  private readonly previous = new Map<string, RetiringKey>();

  constructor(signingKey: SigningKey, verificationKeys: Iterable<VerificationKey> = []) {
    this.current = signingKey;
    for (const key of verificationKeys) this.addVerificationKey(key);
  }

  /** The key new tokens are signed with. */
  get signingKey(): SigningKey {
    return this.current;
  }

  /**
   * Adds a key that only verifies (for example one read from a JWKS), until `retireAt` if given.
   * Adding the current signing key's kid is a no-op.
   */
  addVerificationKey(key: VerificationKey, retireAt?: Date): void {
    if (key.kid === this.current.kid) return;
    this.previous.set(key.kid, { key, retireAt });
  }

  /**
   * Makes `next` the signing key. The previous signing key keeps verifying until `retireAt`:
   * pass at least now + the longest token lifetime + the verifier's clock skew.
   */
  rotate(next: SigningKey, retireAt: Date): void {
    if (next.kid === this.current.kid) return;
    const old = this.current;
    this.previous.delete(next.kid);
    this.current = next;
    this.previous.set(old.kid, {
      key: { kid: old.kid, alg: old.alg, publicKey: old.publicKey },
      retireAt,
    });
  }

  /** The keys that verify at `now`: the signing key first, then the older ones. Drops retired keys. */
  verificationKeys(now: Date = new Date()): VerificationKey[] {
    const keys: VerificationKey[] = [
      { kid: this.current.kid, alg: this.current.alg, publicKey: this.current.publicKey },
    ];
    for (const [kid, entry] of this.previous) {
      if (entry.retireAt !== undefined && entry.retireAt.getTime() <= now.getTime()) {
        this.previous.delete(kid);
      } else {
        keys.push(entry.key);
      }
    }
    return keys;
  }

  /** The public key for `kid` if it verifies at `now`. Use as `verifyToken`'s `keys` resolver. */
  publicKey(kid: string, now: Date = new Date()): KeyObject | undefined {
    return this.verificationKeys(now).find((key) => key.kid === kid)?.publicKey;
  }

  /** The JWKS to publish: every key that verifies at `now`. */
  jwks(now: Date = new Date()): Jwks {
    return jwks(this.verificationKeys(now));
  }
}
