import type { Schema } from './schema.js';

/**
 * The two decorators that document the admin API. Everything the code already says is read
 * from Nest's own metadata when the document is built (`route-table.ts`): the path and method,
 * path parameters, named `@Query('x')` parameters, the status (`@HttpCode`, else 201 for POST
 * and 200 otherwise), and authentication (`@UseGuards(AdminAuthGuard)` → Basic or Bearer, 401,
 * 429; `@ApiCredentials` for other guards). These decorators add what the code cannot say: the schemas, the words, the errors.
 *
 * They only store plain objects, so the api pays nothing for them at start-up; the document is
 * built from them on first request.
 */

const TAG_METADATA = 'berth:openapi:tag';
const DOC_METADATA = 'berth:openapi:doc';
const CREDENTIALS_METADATA = 'berth:openapi:credentials';

/**
 * Whether a route needs Basic or Bearer credentials: `required` (401 without), `optional`
 * (anonymous callers are served too, e.g. public projects), `none` (never asked).
 */
export type Credentials = 'required' | 'optional' | 'none';

export interface ApiTagOptions {
  name: string;
  description?: string;
}

/** Groups a controller's operations under one tag (a section of the browsable UI). */
export function ApiTag(name: string, description?: string): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(TAG_METADATA, { name, ...(description !== undefined && { description }) }, target);
  };
}

/**
 * For controllers behind a guard other than `AdminAuthGuard`: says what it asks of callers.
 * `@ApiDoc({credentials})` overrides it for one route.
 */
export function ApiCredentials(credentials: Credentials): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(CREDENTIALS_METADATA, credentials, target);
  };
}

/** Statuses with a shared problem response in `components.responses`. */
export type ProblemStatus = 400 | 403 | 404 | 409 | 413 | 415 | 429 | 500;

/** A problem answer with its own schema (e.g. a 409 that names the conflicting run). */
export interface CustomProblem {
  status: ProblemStatus;
  description: string;
  schema: Schema;
}

export interface QueryParameter {
  name: string;
  schema: Schema;
  description?: string;
  required?: boolean;
}

export interface PathParameter {
  description?: string;
  schema?: Schema;
}

export interface ListingOptions {
  /** What `q` matches; absent when the listing has no filter. */
  q?: string;
  /** The keys `sort` accepts (the first is the default); absent when the listing is not sortable. */
  sort?: readonly string[];
}

export interface ApiDocOptions {
  /** One line, imperative: "Create a project". */
  summary: string;
  /** Who may call it and what to know; Markdown. */
  description?: string;
  /** The JSON request body. Required unless `bodyOptional`. */
  body?: Schema;
  bodyOptional?: boolean;
  /** The success body; absent for an empty answer (204). */
  response?: Schema;
  /**
   * The success body is a page of these items: an array, with `page` and `pageSize` (and `q`
   * and `sort` as `listing` says), and the `X-Total-Count` and `Link` headers.
   */
  list?: Schema;
  listing?: ListingOptions;
  /** Query parameters beyond paging (`@Query('x')` ones are found by themselves, as strings). */
  query?: readonly QueryParameter[];
  /** Words and schemas for path parameters; each `:name` of the path is a parameter regardless. */
  params?: Readonly<Record<string, PathParameter>>;
  /**
   * Failures besides the ones the code implies: 400/413/415 come with a body or query, 401 and
   * 429 with `AdminAuthGuard`.
   */
  errors?: readonly (ProblemStatus | CustomProblem)[];
  /** Other answers that are not problem bodies, e.g. a 503 that carries a readiness report. */
  otherResponses?: readonly { status: number; description: string; schema?: Schema }[];
  /** What this route asks of callers, when it differs from its controller's (see `ApiCredentials`). */
  credentials?: Credentials;
  /** Overrides the generated `<controller>_<method>` operation id. */
  operationId?: string;
  deprecated?: boolean;
}

/** Documents one route: its schemas, its words and its failures. */
export function ApiDoc(options: ApiDocOptions): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(DOC_METADATA, options, descriptor.value as object);
  };
}

export function tagOf(controller: object): ApiTagOptions | undefined {
  return Reflect.getMetadata(TAG_METADATA, controller) as ApiTagOptions | undefined;
}

export function credentialsOf(controller: object): Credentials | undefined {
  return Reflect.getMetadata(CREDENTIALS_METADATA, controller) as Credentials | undefined;
}

export function docOf(handler: object): ApiDocOptions | undefined {
  return Reflect.getMetadata(DOC_METADATA, handler) as ApiDocOptions | undefined;
}
