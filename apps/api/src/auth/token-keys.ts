import { keyFromJwk, TOKEN_ISSUER, verifyToken, type TokenClaims } from '@berth/auth';
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
  /** The reload in flight: concurrent callers wait for it rather than find no key and refuse. */
  private reloading: Promise<void> | undefined;

  constructor(private readonly records: SigningKeyRecords) {}

  /** The key for `kid`, reloading the published set when it is unknown (rate-limited). */
  async resolve(kid: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (this.reloading) await this.reloading;
    else if (Date.now() - this.loadedAt >= RELOAD_INTERVAL_MS) await this.reload();
    return this.keys.get(kid);
  }

  /**
   * Verifies a registry token against the published keys, for `audience` (this api's service).
   * Throws `TokenError` for anything but a valid, current token of Berth's token service.
   */
  async verify(token: string, audience: string): Promise<TokenClaims> {
    const kid = kidOf(token);
    const key = kid === undefined ? undefined : await this.resolve(kid);
    return verifyToken(token, {
      keys: (candidate) => (candidate === kid ? key : undefined),
      issuer: TOKEN_ISSUER,
      audience,
    });
  }

  reload(): Promise<void> {
    this.reloading ??= this.load().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async load(): Promise<void> {
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

/** The `kid` of a compact JWS header, without trusting anything else in it. */
function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(
      Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as unknown;
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' && kid.length <= 128 ? kid : undefined;
  } catch {
    return undefined;
  }
}
