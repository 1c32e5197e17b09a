import type { DataSource } from 'typeorm';
import { ConflictError, InvalidArgumentError } from './errors.js';
import { translating, UNIQUE_VIOLATION } from './pg-errors.js';
import { assertSeconds, changedCount, isRecordId } from './statements.js';

export type TokenSubjectKind = 'user' | 'robot';

export interface RefreshTokenRecord {
  id: string;
  /** The hash of the token; the token itself is never stored. */
  tokenHash: string;
  subjectKind: TokenSubjectKind;
  subjectId: string;
  /** The `service` it was issued for. */
  audience: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface NewRefreshToken {
  tokenHash: string;
  subjectKind: TokenSubjectKind;
  subjectId: string;
  audience: string;
  expiresAt: Date;
}

/**
 * Port: refresh tokens (`docker login`'s identity tokens). A valid token only says who it was
 * issued to: the caller still loads the subject and refuses it when deleted, disabled, expired
 * or when `createdAt` predates the user's `passwordChangedAt`.
 */
export abstract class RefreshTokenRecords {
  /**
   * Stores a token. Throws `ConflictError` for a hash already stored (a collision means a broken
   * generator), `InvalidArgumentError` for an unknown kind or an id that cannot exist.
   */
  abstract create(token: NewRefreshToken): Promise<RefreshTokenRecord>;
  /**
   * The token when it is neither revoked nor expired at `now` (default: the database's clock),
   * else `undefined`. A token expiring exactly at `now` is expired.
   */
  abstract findValid(tokenHash: string, now?: Date): Promise<RefreshTokenRecord | undefined>;
  /**
   * Revokes one token. Returns `true` only for the call that revoked it: `false` when unknown or
   * already revoked, so concurrent uses of a rotated token cannot both succeed.
   */
  abstract revoke(tokenHash: string): Promise<boolean>;
  /** Revokes every unrevoked token of a subject; returns how many. */
  abstract revokeSubject(kind: TokenSubjectKind, subjectId: string): Promise<number>;
  /** Deletes tokens expired or revoked more than `olderThanSeconds` ago; returns how many. */
  abstract prune(olderThanSeconds: number): Promise<number>;
}

interface RefreshTokenRow {
  id: string;
  token_hash: string;
  subject_kind: TokenSubjectKind;
  subject_id: string;
  audience: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = `id, token_hash, subject_kind, subject_id, audience, created_at, expires_at, revoked_at`;

const toRecord = (row: RefreshTokenRow): RefreshTokenRecord => ({
  id: row.id,
  tokenHash: row.token_hash,
  subjectKind: row.subject_kind,
  subjectId: row.subject_id,
  audience: row.audience,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

export class TypeormRefreshTokenRecords extends RefreshTokenRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(token: NewRefreshToken): Promise<RefreshTokenRecord> {
    if (token.subjectKind !== 'user' && token.subjectKind !== 'robot') {
      throw new InvalidArgumentError(`unknown subject kind ${JSON.stringify(token.subjectKind)}`);
    }
    if (!isRecordId(token.subjectId)) {
      throw new InvalidArgumentError(`invalid subject id ${JSON.stringify(token.subjectId)}`);
    }
    const rows: RefreshTokenRow[] = await translating(
      () =>
        this.db.query(
          `INSERT INTO refresh_tokens (token_hash, subject_kind, subject_id, audience, expires_at)
           VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
          [token.tokenHash, token.subjectKind, token.subjectId, token.audience, token.expiresAt],
        ),
      { [UNIQUE_VIOLATION]: () => new ConflictError('refresh token hash already stored') },
    );
    return toRecord(rows[0]!);
  }

  async findValid(tokenHash: string, now?: Date): Promise<RefreshTokenRecord | undefined> {
    const rows: RefreshTokenRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM refresh_tokens
       WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > COALESCE($2::timestamptz, now())`,
      [tokenHash, now ?? null],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async revoke(tokenHash: string): Promise<boolean> {
    const n = await changedCount(
      this.db,
      `WITH changed AS (
         UPDATE refresh_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [tokenHash],
    );
    return n > 0;
  }

  async revokeSubject(kind: TokenSubjectKind, subjectId: string): Promise<number> {
    if (!isRecordId(subjectId)) return 0;
    return changedCount(
      this.db,
      `WITH changed AS (
         UPDATE refresh_tokens SET revoked_at = now()
         WHERE subject_kind = $1 AND subject_id = $2 AND revoked_at IS NULL RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [kind, subjectId],
    );
  }

  async prune(olderThanSeconds: number): Promise<number> {
    assertSeconds('olderThanSeconds', olderThanSeconds);
    return changedCount(
      this.db,
      `WITH changed AS (
         DELETE FROM refresh_tokens
         WHERE LEAST(expires_at, COALESCE(revoked_at, expires_at)) < now() - $1::double precision * interval '1 second'
         RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [olderThanSeconds],
    );
  }
}
