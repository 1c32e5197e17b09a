import type { DataSource } from 'typeorm';
import { assertSeconds, changedCount } from './statements.js';

/** Failed logins within a window, per key; the shape `@berth/auth`'s `decideLogin` wants. */
export interface LoginFailureCounts {
  byUsername: number;
  byAddress: number;
  /** The most recent failure of the username within the window; `null` when none. */
  lastUsernameFailureAt: Date | null;
  /** The most recent failure from the address within the window; `null` when none. */
  lastAddressFailureAt: Date | null;
}

/**
 * Port: failed logins, shared by every token and api replica so that throttling holds behind a
 * load balancer. Times come from the database's clock, the one clock all replicas share.
 * Usernames are kept as typed (exact match), whether or not the account exists.
 */
export abstract class LoginFailureRecords {
  /** Records one failed login of `username` from `address` (an IP address) at the current time. */
  abstract record(username: string, address: string): Promise<void>;
  /**
   * Failures of the username and from the address within the last `windowSeconds` (strictly
   * newer than now − window). Throws `InvalidArgumentError` for a negative or non-finite window.
   */
  abstract counts(username: string, address: string, windowSeconds: number): Promise<LoginFailureCounts>;
  /**
   * Forgets the username's failures after a successful login; returns how many. The address's
   * failures stay: a success on one account says nothing about guesses at others.
   */
  abstract clearUsername(username: string): Promise<number>;
  /** Deletes failures older than `olderThanSeconds`; returns how many. */
  abstract prune(olderThanSeconds: number): Promise<number>;
}

export class TypeormLoginFailureRecords extends LoginFailureRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async record(username: string, address: string): Promise<void> {
    await this.db.query(`INSERT INTO login_failures (username, address) VALUES ($1, $2)`, [
      username,
      address,
    ]);
  }

  async counts(username: string, address: string, windowSeconds: number): Promise<LoginFailureCounts> {
    assertSeconds('windowSeconds', windowSeconds);
    const rows: {
      by_username: number;
      last_username: Date | null;
      by_address: number;
      last_address: Date | null;
    }[] = await this.db.query(
      `WITH since AS (SELECT now() - $3::double precision * interval '1 second' AS at)
       SELECT u.n AS by_username, u.last AS last_username, a.n AS by_address, a.last AS last_address
       FROM (SELECT count(*)::int AS n, max(f.at) AS last FROM login_failures f, since
             WHERE f.username = $1 AND f.at > since.at) u,
            (SELECT count(*)::int AS n, max(f.at) AS last FROM login_failures f, since
             WHERE f.address = $2 AND f.at > since.at) a`,
      [username, address, windowSeconds],
    );
    const row = rows[0]!;
    return {
      byUsername: row.by_username,
      byAddress: row.by_address,
      lastUsernameFailureAt: row.last_username,
      lastAddressFailureAt: row.last_address,
    };
  }

  async clearUsername(username: string): Promise<number> {
    return changedCount(
      this.db,
      `WITH changed AS (DELETE FROM login_failures WHERE username = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [username],
    );
  }

  async prune(olderThanSeconds: number): Promise<number> {
    assertSeconds('olderThanSeconds', olderThanSeconds);
    return changedCount(
      this.db,
      `WITH changed AS (
         DELETE FROM login_failures WHERE at < now() - $1::double precision * interval '1 second' RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [olderThanSeconds],
    );
  }
}
