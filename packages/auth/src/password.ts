import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';

/**
 * Password hashing with argon2id, stored as PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`),
 * so the parameters travel with each hash and can be raised later (see `passwordNeedsRehash`).
 */

/**
 * The parameters: OWASP's first argon2id configuration (m = 19 MiB, t = 2, p = 1), the
 * library's defaults. About 20-40 ms and 19 MiB per hash on one core: slow enough for offline
 * cracking to hurt, cheap enough that the test suite and `docker login` bursts stay fast.
 * `Algorithm.Argon2id` is 2 (a const enum, which isolated modules cannot read).
 */
export const PASSWORD_HASH_OPTIONS: Readonly<Options> = Object.freeze({
  algorithm: 2,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
});

/** Longer passwords are refused (hashing) or never match (verifying): bounded work per request. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Verified when the user does not exist, so that an unknown username costs the same time as a
 * wrong password. Same parameters as `PASSWORD_HASH_OPTIONS` (a spec checks it); its password
 * was random and discarded, so nothing verifies against it. Exported for that spec only.
 */
export const DUMMY_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$eXSHdtuUY090xl5rfKCzsQ$SoP73QrV7HefzZf/T4jd6pQsF6IuhSP61x57I1FDM3M';

/** Hashes a password. Throws RangeError past `MAX_PASSWORD_LENGTH`; length policy is the caller's. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError('password too long');
  return hash(password, PASSWORD_HASH_OPTIONS);
}

async function verifyQuietly(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/**
 * Whether `password` matches `stored`. Never throws and never short-cuts:
 * - `stored` undefined or null (unknown user, or a robot/user without a password) still runs one
 *   argon2id verification against a dummy hash, then returns false: no user enumeration by timing;
 * - a corrupt stored hash or an over-long password returns false after the same dummy work.
 */
export async function verifyPassword(stored: string | undefined | null, password: string): Promise<boolean> {
  const usable = typeof stored === 'string' && stored.startsWith('$argon2');
  if (!usable || typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) {
    await verifyQuietly(
      DUMMY_PASSWORD_HASH,
      typeof password === 'string' ? password.slice(0, MAX_PASSWORD_LENGTH) : '',
    );
    return false;
  }
  return verifyQuietly(stored, password);
}

/** Whether a stored hash was made with other parameters than the current ones (rehash on next login). */
export function passwordNeedsRehash(stored: string): boolean {
  try {
    const options = parseOptions(stored);
    return (
      options.algorithm !== PASSWORD_HASH_OPTIONS.algorithm ||
      options.memoryCost !== PASSWORD_HASH_OPTIONS.memoryCost ||
      options.timeCost !== PASSWORD_HASH_OPTIONS.timeCost ||
      options.parallelism !== PASSWORD_HASH_OPTIONS.parallelism ||
      options.outputLen !== PASSWORD_HASH_OPTIONS.outputLen
    );
  } catch {
    return true;
  }
}
