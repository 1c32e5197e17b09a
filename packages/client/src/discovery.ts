import { CATALOG_SCOPE, repositoryScope } from './auth.js';
import { RegistryClientError } from './errors.js';
import { nextLink } from './link.js';
import { repositoryPath } from './paths.js';
import { type Transport } from './transport.js';

export interface PageOptions {
  /** `n`: entries per page asked of the registry (it may send fewer, or ignore it). */
  pageSize?: number;
}

/** The most pages one listing follows: a registry whose `next` links loop must not hang us. */
const MAX_PAGES = 100_000;

/**
 * Walks a paginated listing: GET, yield the entries of `field`, follow `Link: <…>; rel="next"`
 * (relative or absolute) until there is none.
 */
async function* paginate(
  transport: Transport,
  first: URL,
  scopes: string[],
  field: 'tags' | 'repositories',
): AsyncGenerator<string> {
  const seen = new Set<string>();
  let url: string | undefined = first.toString();
  while (url !== undefined && !seen.has(url) && seen.size < MAX_PAGES) {
    seen.add(url);
    const answer = await transport.send({
      method: 'GET',
      url,
      scopes,
      headers: { accept: 'application/json' },
      ok: [200],
    });
    const body = (await answer.response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const entries = body?.[field];
    if (entries !== null && entries !== undefined && !Array.isArray(entries)) {
      throw new RegistryClientError(`listing without a ${field} array`, {
        status: 200,
        code: 'UNEXPECTED_RESPONSE',
        method: 'GET',
        url: answer.url,
      });
    }
    for (const entry of entries ?? []) if (typeof entry === 'string') yield entry;
    url = nextLink(answer.response.headers.get('link'), answer.url);
  }
}

/** Every tag of a repository, page by page (`GET /v2/<name>/tags/list?n=`). */
export function listTags(
  transport: Transport,
  repository: string,
  options: PageOptions = {},
): AsyncGenerator<string> {
  const url = transport.resolve(repositoryPath(repository, 'tags', 'list'));
  if (options.pageSize !== undefined) url.searchParams.set('n', String(options.pageSize));
  return paginate(transport, url, [repositoryScope(repository, 'pull')], 'tags');
}

/** Every repository the credentials may see (`GET /v2/_catalog?n=`). */
export function catalog(transport: Transport, options: PageOptions = {}): AsyncGenerator<string> {
  const url = transport.resolve('v2/_catalog');
  if (options.pageSize !== undefined) url.searchParams.set('n', String(options.pageSize));
  return paginate(transport, url, [CATALOG_SCOPE], 'repositories');
}
