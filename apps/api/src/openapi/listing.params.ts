import { MAX_PAGE_SIZE } from '@berth/db';
import { PROJECT_NAME } from '../admin/admin.grammar.js';
import { DEFAULT_PAGE_SIZE } from '../admin/paging.js';
import { ID, patterned, type Schema, type SchemaObject } from './schema.js';

/**
 * The paging of every listing (`paging.ts`), as `components.parameters` and
 * `components.headers`, and the schemas of the path parameters the admin API shares.
 */
export const PAGING_PARAMETERS: Record<
  string,
  { name: string; in: 'query'; description: string; schema: Schema }
> = {
  page: {
    name: 'page',
    in: 'query',
    description: 'The page, from 1. A page past the end is an empty array with the true total.',
    schema: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
  },
  pageSize: {
    name: 'pageSize',
    in: 'query',
    description: `Items per page; more than ${MAX_PAGE_SIZE} is served as ${MAX_PAGE_SIZE}.`,
    schema: { type: 'integer', minimum: 1, default: DEFAULT_PAGE_SIZE },
  },
  q: {
    name: 'q',
    in: 'query',
    description: 'A case-insensitive substring filter.',
    schema: { type: 'string', maxLength: 255 },
  },
};

export const LISTING_HEADERS = {
  'X-Total-Count': {
    description: 'Items matching the filter, across all pages.',
    schema: { type: 'integer', minimum: 0 },
  },
  Link: {
    description:
      'The neighbouring pages, relative, keeping `pageSize`, `q` and `sort`: `</api/v1/projects?page=2&pageSize=20>; rel="next"`. Absent when there is no other page.',
    schema: { type: 'string' },
  },
};

/** `sort`: comma-separated keys of `keys`, each optionally prefixed with `-` (descending). */
export function sortSchema(keys: readonly string[]): SchemaObject {
  const key = `-?(?:${keys.join('|')})`;
  return { type: 'string', maxLength: 255, pattern: `^${key}(?:,${key})*$` };
}

/** Path parameters by name, unless an `@ApiDoc` says otherwise. */
const PATH_PARAMETERS: Record<string, SchemaObject> = {
  project: patterned(PROJECT_NAME.pattern, {
    maxLength: PROJECT_NAME.max,
    description: 'The project name.',
    examples: ['demo'],
  }),
  id: ID,
  userId: { ...ID, description: "The user's id." },
};

export function pathParameterSchema(name: string): SchemaObject {
  return PATH_PARAMETERS[name] ?? { type: 'string' };
}
