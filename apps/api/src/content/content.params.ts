import { InvalidArgumentError } from '@berth/db';
import { isDigest, isValidRepositoryName, isValidTag } from '@berth/oci';
import { invalid } from '../admin/admin.errors.js';
import { parsePaging, type Paging } from '../admin/paging.js';

/**
 * The path and query parameters of the repositories and artifacts endpoints, checked before
 * anything is looked up. Every failure is a 400 naming the parameter.
 */

/**
 * `{repository}`: the path after the project, URL-encoded (`a%2Fb` for `a/b`). Harbor's clients
 * encode it twice (`a%252Fb`); a repository name cannot hold `%`, so that reads the same.
 * Returns the full name `<project>/<path>`.
 */
export function repositoryParam(project: string, param: string): string {
  let path = param;
  if (/%2f/i.test(path)) {
    try {
      path = decodeURIComponent(path);
    } catch {
      // left as is: the grammar check below refuses it
    }
  }
  const name = `${project}/${path}`;
  if (!isValidRepositoryName(name)) {
    throw invalid(
      'repository',
      'must be a repository path (lowercase components separated by /, URL-encoded)',
    );
  }
  return name;
}

/** `{reference}`: a digest (`sha256:<hex>`) or a tag. */
export function referenceParam(reference: string): string {
  if (reference.includes(':') ? isDigest(reference) : isValidTag(reference)) return reference;
  throw invalid('reference', 'must be a digest (sha256:<hex>) or a tag');
}

/** `{tag}` of the tag endpoints, and the `name` of a new tag. */
export function tagParam(field: string, tag: unknown): string {
  if (typeof tag !== 'string' || !isValidTag(tag)) {
    throw invalid(field, 'must be a tag: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}');
  }
  return tag;
}

/** An artifact to copy from: `<project>/<repo>@<digest>` or `<project>/<repo>:<tag>` (Harbor's `from`). */
export function copySource(from: unknown): { repository: string; reference: string } {
  if (typeof from !== 'string' || from === '')
    throw invalid('from', 'is required: <project>/<repository>@<digest> or :<tag>');
  const at = from.lastIndexOf('@');
  const colon = from.lastIndexOf(':');
  const slash = from.lastIndexOf('/');
  const split = at !== -1 ? at : colon > slash ? colon : -1;
  const repository = split === -1 ? '' : from.slice(0, split);
  const reference = split === -1 ? '' : from.slice(split + 1);
  const valid =
    repository.includes('/') &&
    isValidRepositoryName(repository) &&
    (at !== -1 ? isDigest(reference) : isValidTag(reference));
  if (!valid)
    throw invalid('from', 'must be <project>/<repository>@<digest> or <project>/<repository>:<tag>');
  return { repository, reference };
}

export interface ListingParams extends Paging {
  cursor?: string;
}

/** `page`, `pageSize`, `q`, `sort` (as every listing) and `cursor`. */
export function listingParams(query: Record<string, unknown>): ListingParams {
  const paging = parsePaging(query);
  const cursor = query.cursor;
  if (cursor === undefined || cursor === '') return paging;
  if (typeof cursor !== 'string') throw invalid('cursor', 'must be given once');
  if (cursor.length > 2048) throw invalid('cursor', 'is not one this listing returned');
  return { ...paging, cursor };
}

/** An optional `true`/`false` query flag. */
export function flagParam(query: Record<string, unknown>, name: string): boolean | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(name, 'must be true or false');
}

/**
 * Runs a catalog query, turning its `InvalidArgumentError` into a 400 naming the parameter:
 * the messages start with it (`cursor …`, `page …`, `pageSize …`) or are about `sort`.
 */
export async function withNamedFields<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const field = error.message.startsWith('cannot sort')
      ? 'sort'
      : (/^(\w+) /.exec(error.message)?.[1] ?? 'request');
    throw invalid(
      field,
      error.message.startsWith(`${field} `) ? error.message.slice(field.length + 1) : error.message,
    );
  }
}
