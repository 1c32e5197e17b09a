import { MAX_PAGE_SIZE } from '@berth/db';
import { invalid } from './admin.errors.js';

/**
 * Listings (PRODUCT.md): `page` from 1, `pageSize` default 20 and at most 100 (larger asks are
 * served 100), `q` a filter, `sort` a key list. A service returns a `PagedResult`; the
 * `PagingInterceptor` sends its items as the body with `X-Total-Count` and `Link`.
 */
export const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE = 1_000_000;
const MAX_TEXT = 255;

export interface Paging {
  page: number;
  pageSize: number;
  q?: string;
  sort?: string;
}

export class PagedResult<T> {
  constructor(
    readonly items: T[],
    readonly total: number,
    readonly paging: Paging,
  ) {}
}

type Query = Record<string, unknown> | undefined;

export function parsePaging(query: Query): Paging {
  const page = positiveInteger(query, 'page') ?? 1;
  if (page > MAX_PAGE) throw invalid('page', `must be at most ${MAX_PAGE}`);
  const pageSize = Math.min(positiveInteger(query, 'pageSize') ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const q = text(query, 'q');
  const sort = text(query, 'sort');
  return { page, pageSize, ...(q !== undefined && { q }), ...(sort !== undefined && { sort }) };
}

function single(query: Query, name: string): string | undefined {
  const value = query?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be given once');
  return value;
}

function positiveInteger(query: Query, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined || value === '') return undefined;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < 1) throw invalid(name, 'must be a positive integer');
  return Number(value);
}

function text(query: Query, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_TEXT) throw invalid(name, `must be at most ${MAX_TEXT} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(name, 'must not contain control characters');
  return value;
}

/** `Link` for the pages around this one (`next` and `prev`), relative to `path`; undefined when none. */
export function pageLinks(path: string, total: number, paging: Paging): string | undefined {
  const link = (page: number, rel: string) => {
    const params = new URLSearchParams({ page: String(page), pageSize: String(paging.pageSize) });
    if (paging.q !== undefined) params.set('q', paging.q);
    if (paging.sort !== undefined) params.set('sort', paging.sort);
    return `<${path}?${params.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (paging.page > 1) links.push(link(Math.min(paging.page - 1, lastPage(total, paging.pageSize)), 'prev'));
  if (paging.page * paging.pageSize < total) links.push(link(paging.page + 1, 'next'));
  return links.length > 0 ? links.join(', ') : undefined;
}

function lastPage(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
