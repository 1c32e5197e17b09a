import { keyFromJwk } from '@berth/auth';
import { type SigningKeyRecords } from '@berth/db';
import type { KeyObject } from 'node:crypto';

/** How often an unknown `kid` may trigger a reload (a forged kid must not hammer the database). */
const RELOAD_INTERVAL_MS = 2_000;
/** Keys retired this long ago still verify the tokens signed just before retirement. */
const RETIRED_GRACE_MS = 3600_000;

/**
 * The public keys token replicas published in the database, cached. A token signed by a key
 * this process has not seen yet (a new token replica, a rotation) triggers a reload.
 */
export class TokenKeys {
  private keys = new Map<string, KeyObject>();
  private loadedAt = 0;

  constructor(private readonly records: SigningKeyRecords) {}

  /** The key for `kid`, reloading the published set when it is unknown (rate-limited). */
  async resolve(kid: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (Date.now() - this.loadedAt < RELOAD_INTERVAL_MS) return undefined;
    await this.reload();
    return this.keys.get(kid);
  }

  async reload(): Promise<void> {
    this.loadedAt = Date.now();
    const published = await this.records.list({
      includeRetiredSince: new Date(Date.now() - RETIRED_GRACE_MS),
    });
    const keys = new Map<string, KeyObject>();
    for (const record of published) {
      try {
        keys.set(record.kid, keyFromJwk(record.jwk).publicKey);
      } catch {
        // A malformed published key verifies nothing.
      }
    }
    this.keys = keys;
  }
}
