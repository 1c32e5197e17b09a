import type { DataSource } from 'typeorm';
import { changedCount } from './statements.js';

export interface SigningKeyRecord {
  kid: string;
  /** The public JWK as published. The reader validates it before trusting it. */
  jwk: Record<string, unknown>;
  createdAt: Date;
  /** From this instant on the key verifies nothing; `null` while in use. */
  retiredAt: Date | null;
}

/**
 * Port: the public keys token replicas sign with, so every api replica can verify every token.
 * Only public keys belong here.
 */
export abstract class SigningKeyRecords {
  /**
   * Publishes a public key under `kid`. Idempotent: publishing a known kid again changes
   * nothing (not its JWK, not its retirement) and returns `false`; a new kid returns `true`.
   * Safe when replicas publish the same key at once.
   */
  abstract publish(kid: string, jwk: object): Promise<boolean>;
  /**
   * Keys that still verify (not retired, or retiring in the future), plus with
   * `includeRetiredSince` those retired after that instant, newest first.
   */
  abstract list(options?: { includeRetiredSince?: Date }): Promise<SigningKeyRecord[]>;
  /**
   * Retires the key at `at` (default: now); pass a future instant to keep it verifying until the
   * last token it signed expires. A key already retiring earlier keeps the earlier instant.
   * Returns `false` for an unknown kid.
   */
  abstract retire(kid: string, at?: Date): Promise<boolean>;
}

interface SigningKeyRow {
  kid: string;
  jwk: Record<string, unknown>;
  created_at: Date;
  retired_at: Date | null;
}

export class TypeormSigningKeyRecords extends SigningKeyRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async publish(kid: string, jwk: object): Promise<boolean> {
    const rows: { kid: string }[] = await this.db.query(
      `INSERT INTO signing_keys (kid, jwk) VALUES ($1, $2::jsonb) ON CONFLICT (kid) DO NOTHING RETURNING kid`,
      [kid, JSON.stringify(jwk)],
    );
    return rows.length > 0;
  }

  async list(options: { includeRetiredSince?: Date } = {}): Promise<SigningKeyRecord[]> {
    const rows: SigningKeyRow[] = await this.db.query(
      `SELECT kid, jwk, created_at, retired_at FROM signing_keys
       WHERE retired_at IS NULL OR retired_at > now() OR retired_at > $1::timestamptz
       ORDER BY created_at DESC, kid`,
      [options.includeRetiredSince ?? null],
    );
    return rows.map((row) => ({
      kid: row.kid,
      jwk: row.jwk,
      createdAt: row.created_at,
      retiredAt: row.retired_at,
    }));
  }

  async retire(kid: string, at?: Date): Promise<boolean> {
    // LEAST ignores NULL: an active key takes `at`, a retiring one keeps the earlier instant.
    const n = await changedCount(
      this.db,
      `WITH changed AS (
         UPDATE signing_keys SET retired_at = LEAST(retired_at, COALESCE($2::timestamptz, now()))
         WHERE kid = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [kid, at ?? null],
    );
    return n > 0;
  }
}
