import type { DataSource } from 'typeorm';
import { ConflictError } from './errors.js';
import { fetchPage, filterText, orderBy, pageWindow, type Page, type PageQuery } from './listing.js';
import { translating, UNIQUE_VIOLATION } from './pg-errors.js';
import { changedCount, isRecordId } from './statements.js';

export interface UserRecord {
  id: string;
  username: string;
  email: string | null;
  /** The stored hash (PHC string). Never serialise it. */
  passwordHash: string;
  systemAdmin: boolean;
  disabled: boolean;
  /** Refresh tokens and JWTs issued before this instant predate the current password. */
  passwordChangedAt: Date;
  createdAt: Date;
}

/** A user as listings show it: everything but the password hash. */
export type UserSummary = Omit<UserRecord, 'passwordHash'>;

export interface NewUser {
  username: string;
  passwordHash: string;
  email?: string | null;
  systemAdmin?: boolean;
}

/** Keys of `UserRecords.list`'s `sort`; the default is `username`. */
export const USER_SORT_KEYS = ['username', 'email', 'createdAt', 'id'] as const;

/** Port: user accounts. Usernames are case-sensitive, as the unique constraint is. */
export abstract class UserRecords {
  /**
   * Creates an enabled user. Throws `ConflictError` when the username is taken, including by a
   * concurrent create (two replicas bootstrapping `admin` at once: one wins, one gets the error).
   */
  abstract create(user: NewUser): Promise<UserRecord>;
  /** The user, disabled or not; `undefined` when none has exactly this username. */
  abstract findByUsername(username: string): Promise<UserRecord | undefined>;
  /** The user; `undefined` when missing or when `id` cannot be an id (`'abc'`, `'0'`). */
  abstract findById(id: string): Promise<UserRecord | undefined>;
  /**
   * A page of users without their hashes. `q` matches a substring of the username or email,
   * ignoring case. `sort` keys: `USER_SORT_KEYS`. Invalid paging or sort throws
   * `InvalidArgumentError`; a page past the end is empty with the true total.
   */
  abstract list(query: PageQuery): Promise<Page<UserSummary>>;
  /**
   * Replaces the password hash, sets `passwordChangedAt` to now and revokes every refresh token
   * of the user, atomically: no token issued for the old password survives the change.
   * Returns `false` when the user does not exist.
   */
  abstract setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /**
   * Disables or re-enables the user. Disabling revokes every refresh token of the user in the
   * same statement; re-enabling does not bring them back. Returns `false` when the user does not
   * exist (setting the current value again returns `true`).
   */
  abstract setDisabled(id: string, disabled: boolean): Promise<boolean>;
  /** Grants or removes system administration. Returns `false` when the user does not exist. */
  abstract setSystemAdmin(id: string, value: boolean): Promise<boolean>;
  /**
   * Deletes the user, their memberships (by cascade) and revokes their refresh tokens.
   * Returns `false` when the user did not exist. Whether the last administrator may go is the
   * caller's policy.
   */
  abstract delete(id: string): Promise<boolean>;
  /** How many users exist, disabled included (0 on a fresh install: time to create `admin`). */
  abstract count(): Promise<number>;
}

interface UserRow {
  id: string;
  username: string;
  email: string | null;
  password_hash: string;
  system_admin: boolean;
  disabled: boolean;
  password_changed_at: Date;
  created_at: Date;
}

const COLUMNS = `id, username, email, password_hash, system_admin, disabled, password_changed_at, created_at`;

const toSummary = (row: Omit<UserRow, 'password_hash'>): UserSummary => ({
  id: row.id,
  username: row.username,
  email: row.email,
  systemAdmin: row.system_admin,
  disabled: row.disabled,
  passwordChangedAt: row.password_changed_at,
  createdAt: row.created_at,
});

const toRecord = (row: UserRow): UserRecord => ({ ...toSummary(row), passwordHash: row.password_hash });

const SORT_COLUMNS: Record<(typeof USER_SORT_KEYS)[number], string> = {
  username: 'username',
  email: 'email',
  createdAt: 'created_at',
  id: 'id',
};

/** Revokes the refresh tokens of the users returned by the CTE `changed`. */
const REVOKE_CHANGED = `revoked AS (
  UPDATE refresh_tokens SET revoked_at = now()
  WHERE subject_kind = 'user' AND subject_id IN (SELECT id FROM changed) AND revoked_at IS NULL)`;

export class TypeormUserRecords extends UserRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(user: NewUser): Promise<UserRecord> {
    const rows: UserRow[] = await translating(
      () =>
        this.db.query(
          `INSERT INTO users (username, password_hash, email, system_admin)
           VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
          [user.username, user.passwordHash, user.email ?? null, user.systemAdmin ?? false],
        ),
      { [UNIQUE_VIOLATION]: () => new ConflictError(`user ${user.username} already exists`) },
    );
    return toRecord(rows[0]!);
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const rows: UserRow[] = await this.db.query(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [
      username,
    ]);
    return rows[0] && toRecord(rows[0]);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    const rows: UserRow[] = await this.db.query(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(query: PageQuery): Promise<Page<UserSummary>> {
    const window = pageWindow(query);
    const { rows, total } = await fetchPage<UserRow>(
      this.db,
      {
        select: `id, username, email, system_admin, disabled, password_changed_at, created_at`,
        from: `FROM users WHERE $1::text IS NULL
                 OR strpos(lower(username), lower($1)) > 0 OR strpos(lower(email), lower($1)) > 0`,
        order: orderBy(query.sort, SORT_COLUMNS, 'username', 'id'),
        params: [filterText(query.q)],
      },
      window,
    );
    return { items: rows.map(toSummary), total };
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    if (!isRecordId(id)) return false;
    return this.changed(
      `WITH changed AS (
         UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1 RETURNING id),
       ${REVOKE_CHANGED}
       SELECT count(*)::int AS n FROM changed`,
      [id, passwordHash],
    );
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    if (!isRecordId(id)) return false;
    return this.changed(
      `WITH changed AS (UPDATE users SET disabled = $2 WHERE id = $1 RETURNING id, disabled),
       revoked AS (
         UPDATE refresh_tokens SET revoked_at = now()
         WHERE subject_kind = 'user' AND subject_id IN (SELECT id FROM changed WHERE disabled)
           AND revoked_at IS NULL)
       SELECT count(*)::int AS n FROM changed`,
      [id, disabled],
    );
  }

  async setSystemAdmin(id: string, value: boolean): Promise<boolean> {
    if (!isRecordId(id)) return false;
    return this.changed(
      `WITH changed AS (UPDATE users SET system_admin = $2 WHERE id = $1 RETURNING id)
       SELECT count(*)::int AS n FROM changed`,
      [id, value],
    );
  }

  async delete(id: string): Promise<boolean> {
    if (!isRecordId(id)) return false;
    return this.changed(
      `WITH changed AS (DELETE FROM users WHERE id = $1 RETURNING id), ${REVOKE_CHANGED}
       SELECT count(*)::int AS n FROM changed`,
      [id],
    );
  }

  async count(): Promise<number> {
    const rows: { n: number }[] = await this.db.query(`SELECT count(*)::int AS n FROM users`);
    return rows[0]?.n ?? 0;
  }

  private async changed(sql: string, params: unknown[]): Promise<boolean> {
    return (await changedCount(this.db, sql, params)) > 0;
  }
}
