import type { DataSource } from 'typeorm';
import { InvalidArgumentError } from '../access/errors.js';
import { MAX_PAGE_SIZE } from '../access/listing.js';

/**
 * Keyset ("cursor") pagination of the content listings. A cursor is the sort key of the last
 * row a page showed, bound to the sort it was made for, as base64url JSON: opaque to clients,
 * and the next page starts right after it through the listing's index whatever its depth.
 * Timestamps travel as microseconds since the epoch (PostgreSQL's precision; a `Date` would
 * lose it and repeat or skip rows).
 */

/** How a key value is checked before it reaches SQL: a bad cursor is a 400, never a 500. */
export type KeyKind = 'micros' | 'id' | 'text';

const MAX_BIGINT = 9223372036854775807n;

const KEY_CHECKS: Record<KeyKind, (value: string) => boolean> = {
  micros: (value) => /^-?[0-9]{1,17}$/.test(value),
  // A bigint: 19 digits can exceed its maximum, which PostgreSQL refuses with an error (a 500).
  id: (value) => /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= MAX_BIGINT,
  // PostgreSQL text cannot hold NUL.
  text: (value) => value.length <= 1024 && !value.includes('\u0000'),
};

const MAX_CURSOR = 2048;

export function encodeCursor(sort: string, values: readonly string[]): string {
  return Buffer.from(JSON.stringify({ s: sort, k: values }), 'utf8').toString('base64url');
}

/**
 * The key values of a cursor made by `encodeCursor` for `sort`. Throws `InvalidArgumentError`
 * for anything else, including a cursor of another sort (the client changed `sort` mid-way).
 */
export function decodeCursor(cursor: string, sort: string, kinds: readonly KeyKind[]): string[] {
  const refuse = (why: string) => new InvalidArgumentError(`cursor ${why}`);
  if (cursor.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse('is malformed');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse('is malformed');
  }
  const { s, k } = (decoded ?? {}) as { s?: unknown; k?: unknown };
  if (typeof s !== 'string' || !Array.isArray(k)) throw refuse('is malformed');
  if (s !== sort) throw refuse(`was made for sort=${s}; start again without it`);
  if (k.length !== kinds.length) throw refuse('is malformed');
  return k.map((value: unknown, i) => {
    if (typeof value !== 'string' || !KEY_CHECKS[kinds[i]!](value)) throw refuse('is malformed');
    return value;
  });
}

/**
 * Where a page starts: after a cursor, or at an offset (`page`). `pageSize` is 1..100.
 * Invalid values throw `InvalidArgumentError`.
 */
export interface KeysetWindow {
  pageSize: number;
  /** Counts from 1; ignored when `cursor` is given. */
  page?: number;
  cursor?: string;
}

/** One page of a keyset listing. */
export interface KeysetPage<T> {
  items: T[];
  /** Rows matching the filters across all pages (`X-Total-Count`). */
  total: number;
  /** The cursor of the page after this one; absent on the last page. */
  next?: string;
}

export function assertWindow(window: KeysetWindow): { limit: number; offset: number } {
  const { pageSize, page = 1 } = window;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(
      `pageSize must be between 1 and ${MAX_PAGE_SIZE}, got ${String(pageSize)}`,
    );
  }
  if (!Number.isSafeInteger(page) || page < 1) {
    throw new InvalidArgumentError(`page must be a positive integer, got ${String(page)}`);
  }
  return { limit: pageSize, offset: window.cursor === undefined ? (page - 1) * pageSize : 0 };
}

/**
 * Makes a page from rows fetched with `limit + 1` (the extra row says whether another page
 * follows). Each row carries its sort key as columns `k0`, `k1`…; the next cursor is the last
 * shown row's.
 */
export function keysetPage<R extends { [key: `k${number}`]: string }, T>(
  rows: R[],
  limit: number,
  sort: { key: string; keys: readonly unknown[] },
  total: number,
  toItem: (row: R) => T,
): KeysetPage<T> {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  const next =
    rows.length > limit && last
      ? encodeCursor(
          sort.key,
          sort.keys.map((_k, i) => last[`k${i}`] ?? ''),
        )
      : undefined;
  return { items: shown.map(toItem), total, ...(next && { next }) };
}

/** Collects positional parameters while a statement is assembled. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `text` with LIKE's wildcards escaped (the default escape character is `\`). */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** SQL for a timestamp column as the microseconds a cursor carries, and back. */
export const micros = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
export const fromMicros = (param: string) =>
  `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;

/** A statement runner inside `readSnapshot`. */
export type Query = <T = unknown>(sql: string, params?: unknown[]) => Promise<T>;

/**
 * Runs a listing's statements (its page and its count) in one snapshot, so the total matches
 * the page, with JIT compilation off: the per-row subqueries inflate the planner's cost past
 * `jit_above_cost`, and compiling then takes 50–600 ms for a query that runs in 2.
 */
export async function readSnapshot<T>(db: DataSource, work: (query: Query) => Promise<T>): Promise<T> {
  return db.transaction('REPEATABLE READ', async (tx) => {
    await tx.query('SET LOCAL jit = off');
    return work(<R>(sql: string, params?: unknown[]) => tx.query<R>(sql, params));
  });
}
