import type { KeysetPage } from '@berth/db';
import { LinkedResult } from '../admin/keyset.js';
import type { ListingParams } from './content.params.js';

/**
 * A keyset page as the admin API answers it: the items, `X-Total-Count`, and `Link` with the
 * next page's number and cursor (so a client following `rel="next"` walks by cursor, as fast on
 * the thousandth page as on the first) and the previous page's number. Other query parameters
 * of the request (`q`, `sort`, `pageSize`, filters) are kept in both.
 */
export function linkedPage<T, R>(
  page: KeysetPage<T>,
  params: ListingParams,
  view: (item: T) => R,
): LinkedResult<R> {
  const last = Math.max(1, Math.ceil(page.total / params.pageSize));
  return new LinkedResult(
    page.items.map(view),
    {
      ...(page.next !== undefined && { next: { page: String(params.page + 1), cursor: page.next } }),
      ...(params.page > 1 && { prev: { page: String(Math.min(params.page - 1, last)) } }),
    },
    page.total,
  );
}
