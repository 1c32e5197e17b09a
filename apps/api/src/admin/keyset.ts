/**
 * A listing answer whose links the listing builds itself: keyset (cursor) pages, and pages that
 * must keep filters beyond `q` and `sort` in their links. `PagingInterceptor` sends `items` as
 * the body, `X-Total-Count` when `total` is known (keyset pages do not count: that is what
 * keeps them fast), and `Link` from `links`.
 */
export class LinkedResult<T> {
  constructor(
    readonly items: T[],
    /** Query parameters of each neighbouring page (`next`, `prev`), replacing `page` and `cursor`. */
    readonly neighbours: { next?: Record<string, string>; prev?: Record<string, string> },
    readonly total?: number,
  ) {}

  /** `Link` relative to `path`, keeping the request's other parameters; undefined when none. */
  link(path: string, query: string): string | undefined {
    const links: string[] = [];
    for (const rel of ['prev', 'next'] as const) {
      const change = this.neighbours[rel];
      if (!change) continue;
      const params = new URLSearchParams(query);
      params.delete('page');
      params.delete('cursor');
      for (const [key, value] of Object.entries(change)) params.set(key, value);
      links.push(`<${path}?${params.toString()}>; rel="${rel}"`);
    }
    return links.length > 0 ? links.join(', ') : undefined;
  }
}
