import type { DataSource } from 'typeorm';
import { InvalidArgumentError } from './errors.js';

const MAX_BIGINT = 9223372036854775807n;

/**
 * Whether `id` can be a `bigserial` id. Ids arrive as strings from URLs; one that cannot exist
 * is answered like a missing row instead of failing the query with an invalid-input error.
 */
export function isRecordId(id: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= MAX_BIGINT;
}

/**
 * Runs a data-changing statement written as `WITH changed AS (… RETURNING …) … SELECT
 * count(*)::int AS n FROM changed` and returns `n`. The CTE form matters: TypeORM answers a bare
 * UPDATE or DELETE with `[rows, count]`, not rows.
 */
export async function changedCount(db: DataSource, sql: string, params: unknown[]): Promise<number> {
  const rows: { n: number }[] = await db.query(sql, params);
  return rows[0]?.n ?? 0;
}

/** Throws `InvalidArgumentError` unless `value` is a finite, non-negative number of seconds. */
export function assertSeconds(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative number of seconds, got ${String(value)}`);
  }
}
