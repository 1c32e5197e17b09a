import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from './password.js';

/** How long a successful check is remembered: the lifetime of the registry tokens it buys. */
export const VERIFIED_PASSWORD_TTL_MS = 5 * 60_000;
/** Entries kept at most (the oldest go first); ~200 bytes each. */
const MAX_ENTRIES = 4096;

/**
 * Remembers for a few minutes that a password matched a stored hash, so that a client logging
 * in again skips argon2id. Clients log in often: skopeo and podman fetch a token at every run,
 * docker per repository, and each check costs ~23 ms of CPU on a 2-core machine, more than the
 * rest of a small pull. This is the cost Distribution's htpasswd pays with bcrypt on every
 * request.
 *
 * - Entries are keyed by the stored hash. A password change or rehash makes a new key, so the
 *   old password stops working at once; a deleted user has no hash to find.
 * - The password itself is not kept, only an HMAC of it under a key made for this process, and
 *   compared in constant time. A wrong password always costs a full verification.
 * - Only successes are remembered. Throttling and failure records are the caller's, unchanged.
 * - Disabled users and expired accounts are the caller's to check, from fresh rows, every time.
 */
export class VerifiedPasswords {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, { mac: Buffer; expiresAt: number }>();

  constructor(
    private readonly ttlMs = VERIFIED_PASSWORD_TTL_MS,
    private readonly now: () => number = Date.now,
    private readonly verify: typeof verifyPassword = verifyPassword,
  ) {}

  /** Same contract as `verifyPassword`: never throws, and an unknown user costs a full check. */
  async check(stored: string | undefined | null, password: string): Promise<boolean> {
    if (typeof stored !== 'string' || typeof password !== 'string') return this.verify(stored, password);
    const mac = createHmac('sha256', this.#key).update(password, 'utf8').digest();
    const entry = this.#entries.get(stored);
    if (entry && entry.expiresAt > this.now() && timingSafeEqual(entry.mac, mac)) return true;
    const valid = await this.verify(stored, password);
    if (valid) this.#remember(stored, mac);
    return valid;
  }

  #remember(stored: string, mac: Buffer): void {
    this.#entries.delete(stored);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(stored, { mac, expiresAt: this.now() + this.ttlMs });
  }
}

/** One per process: every authenticator of the api (admin, content, system…) shares it. */
export const verifiedPasswords = new VerifiedPasswords();
