import { RegistryError } from '@berth/oci';

export interface PageRequest {
  /** Maximum entries to return. */
  limit: number;
  /** Whether the client asked for a page size (a `Link` is only sent then, or when capped). */
  explicit: boolean;
  last?: string;
}

/**
 * Parses the `n` and `last` query parameters of tag and catalog listings. Without `n`, the
 * listing is capped at `fallback` entries and paginated by `Link`.
 */
export function parsePage(
  n: string | undefined,
  last: string | undefined,
  fallback: number,
  max: number,
): PageRequest {
  let limit = fallback;
  if (n !== undefined) {
    if (!/^\d+$/.test(n)) throw new RegistryError('PAGINATION_INVALID', `n must be a non-negative integer`);
    limit = Math.min(Number(n), max);
  }
  return { limit, explicit: n !== undefined, ...(last !== undefined && last !== '' && { last }) };
}
