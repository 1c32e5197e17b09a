import type { DataSource } from 'typeorm';
import { InvalidArgumentError } from './errors.js';

/** The largest page any listing serves (PRODUCT.md: `pageSize` max 100). */
export const MAX_PAGE_SIZE = 100;

/**
 * One page of a listing. `page` counts from 1; `pageSize` is 1..`MAX_PAGE_SIZE`; anything else
 * throws `InvalidArgumentError` (the API clamps or rejects before calling).
 * `q` is a case-insensitive substring filter; empty means none, and `%` or `_` match themselves.
 * `sort` is a comma-separated list of keys, each optionally prefixed with `-` for descending,
 * e.g. `-createdAt,name`. Each listing documents its keys; an unknown key throws
 * `InvalidArgumentError`. Ties are always broken by id, so pages never overlap.
 */
export interface PageQuery {
  page: number;
  pageSize: number;
  q?: string;
  sort?: string;
}

export interface Page<T> {
  items: T[];
  /** Rows matching the filter across all pages (for `X-Total-Count`). */
  total: number;
}

/** LIMIT and OFFSET for a page, validated. Internal. */
export function pageWindow(query: Pick<PageQuery, 'page' | 'pageSize'>): { limit: number; offset: number } {
  const { page, pageSize } = query;
  if (!Number.isSafeInteger(page) || page < 1) {
    throw new InvalidArgumentError(`page must be a positive integer, got ${String(page)}`);
  }
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(
      `pageSize must be between 1 and ${MAX_PAGE_SIZE}, got ${String(pageSize)}`,
    );
  }
  return { limit: pageSize, offset: (page - 1) * pageSize };
}

/**
 * An ORDER BY list from a `sort` parameter. `columns` maps each public key to a trusted SQL
 * expression; `fallback` is used when `sort` is empty; `tiebreak` (unique) always ends the list.
 */
export function orderBy(
  sort: string | undefined,
  columns: Readonly<Record<string, string>>,
  fallback: string,
  tiebreak: string,
): string {
  const keys = (sort ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  const terms = keys.map((key) => {
    const descending = key.startsWith('-');
    const name = descending ? key.slice(1) : key;
    const column = Object.hasOwn(columns, name) ? columns[name] : undefined;
    if (column === undefined) {
      throw new InvalidArgumentError(
        `cannot sort by ${JSON.stringify(name)}; use one of ${Object.keys(columns).join(', ')}`,
      );
    }
    return `${column} ${descending ? 'DESC' : 'ASC'}`;
  });
  return [...(terms.length > 0 ? terms : [fallback]), tiebreak].join(', ');
}

/** The filter text of `q`, or `null` for no filter. Internal. */
export function filterText(q: string | undefined): string | null {
  return q === undefined || q === '' ? null : q;
}

/**
 * Runs a page query: `SELECT <select> <from> ORDER BY <order> LIMIT … OFFSET …` with the total
 * from a window count. Only a page past the end costs a second (count) query. Internal.
 */
export async function fetchPage<Row>(
  db: DataSource,
  parts: { select: string; from: string; order: string; params: unknown[] },
  window: { limit: number; offset: number },
): Promise<{ rows: Row[]; total: number }> {
  const n = parts.params.length;
  const rows: (Row & { total_count: string })[] = await db.query(
    `SELECT ${parts.select}, count(*) OVER () AS total_count ${parts.from}
     ORDER BY ${parts.order} LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...parts.params, window.limit, window.offset],
  );
  if (rows.length > 0) return { rows, total: Number(rows[0]!.total_count) };
  if (window.offset === 0) return { rows, total: 0 };
  const counted: { total: number }[] = await db.query(
    `SELECT count(*)::int AS total ${parts.from}`,
    parts.params,
  );
  return { rows, total: counted[0]?.total ?? 0 };
}
