import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * High-entropy secrets: robot secrets and refresh tokens. They carry 256 random bits, so a plain
 * SHA-256 is a sufficient stored form (no salt or slow hash needed, unlike passwords), and it can
 * be looked up by an index.
 */

/** Bytes of randomness in a generated secret. */
export const SECRET_BYTES = 32;

/** A new secret: 32 random bytes, base64url without padding (43 characters). */
export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** The stored form of a secret: lowercase hex SHA-256 of its UTF-8 text (64 characters). */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Compares two strings in time independent of where they differ and of their lengths (both are
 * hashed to 32 bytes first). Use for anything secret; never `===`.
 */
export function timingSafeEqualString(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB);
}
