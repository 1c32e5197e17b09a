import type { PathParameter, QueryParameter } from '../openapi/api-doc.decorator.js';

/** Words shared by the repositories and artifacts routes in the OpenAPI document. */

export const CURSOR_PARAMETER: QueryParameter = {
  name: 'cursor',
  schema: { type: 'string', maxLength: 2048 },
  description:
    'Where the page starts, as the `Link: rel="next"` of the previous page gives it; replaces `page` for the position (keyset pagination: as fast deep in a listing as at its head). Tied to `sort`.',
};

export const REPOSITORY_PARAMETER: PathParameter = {
  description: 'The path after the project, URL-encoded: `a%2Fb` for `<project>/a/b`.',
  schema: { type: 'string', maxLength: 255 },
};

export const REFERENCE_PARAMETER: PathParameter = {
  description: 'A digest (`sha256:…`) or a tag.',
  schema: { type: 'string', maxLength: 256 },
};
