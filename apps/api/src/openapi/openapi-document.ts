import type { Type } from '@nestjs/common';
import type { CustomProblem, ProblemStatus, QueryParameter } from './api-doc.decorator.js';
import { LISTING_HEADERS, PAGING_PARAMETERS, pathParameterSchema, sortSchema } from './listing.params.js';
import { PROBLEM, PROBLEM_HEADERS, PROBLEM_RESPONSES } from './problem.schemas.js';
import { apiRoutes, compare, type ApiRoute } from './route-table.js';
import { arrayOf, writeSchema, type NamedSchema, type Schema } from './schema.js';

export type OpenApiDocument = Record<string, unknown> & {
  openapi: '3.1.0';
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

export interface DocumentInfo {
  /** The api's version (its package.json). */
  version: string;
}

const JSON_TYPE = 'application/json';
const PROBLEM_TYPE = 'application/problem+json';
const SECURITY = {
  required: [{ basicAuth: [] }, { bearerAuth: [] }],
  // `{}` first: no credentials at all is one of the accepted ways.
  optional: [{}, { basicAuth: [] }, { bearerAuth: [] }],
};
const SUCCESS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' };

const DESCRIPTION = `The admin REST API of Berth: users, projects, members, robots, the audit log, remote
registries, replication and garbage collection. The OCI Distribution API at \`/v2/\` is not part of
this document.

- **Authentication**: HTTP Basic with a user's or a robot's name and password or secret, or a
  Bearer registry token from Berth's token service.
- **Listings**: \`page\` and \`pageSize\` (default 20, at most 100); the body is the page's items;
  \`X-Total-Count\` and \`Link\` (\`rel="next"\`, \`rel="prev"\`) say what else there is.
- **Errors**: RFC 9457 problem bodies (\`application/problem+json\`), the \`Problem\` schema.`;

/**
 * The OpenAPI 3.1 document of every /api/v1 route of these controllers. Deterministic: the
 * same code gives the same document, byte for byte once serialised (the client's drift check
 * relies on it).
 */
export function buildOpenApiDocument(controllers: readonly Type[], info: DocumentInfo): OpenApiDocument {
  const schemas = new Map<string, NamedSchema>();
  const write = (schema: Schema) => writeSchema(schema, schemas);
  const routes = apiRoutes(controllers);
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Map<string, { order: number; description?: string }>();
  const operationIds = new Set<string>();
  for (const route of routes) {
    const operation = operationOf(route, write);
    const id = operation.operationId as string;
    if (operationIds.has(id)) throw new Error(`two operations are named ${id}`);
    operationIds.add(id);
    (paths[route.path] ??= {})[route.method] = operation;
    const tag = tags.get(route.tag.name);
    tags.set(route.tag.name, {
      order: Math.min(tag?.order ?? route.order, route.order),
      ...((route.tag.description ?? tag?.description) && {
        description: route.tag.description ?? tag?.description,
      }),
    });
  }
  const components = {
    securitySchemes: {
      basicAuth: {
        type: 'http',
        scheme: 'basic',
        description: "A user's username and password, or a robot's full name (`robot$…`) and secret.",
      },
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: "A registry token from Berth's token service, issued for this registry's service.",
      },
    },
    parameters: Object.fromEntries(
      Object.entries(PAGING_PARAMETERS).map(([name, parameter]) => [
        name,
        { ...parameter, schema: write(parameter.schema) },
      ]),
    ),
    headers: LISTING_HEADERS,
    responses: problemResponses(write),
    schemas: {} as Record<string, unknown>,
  };
  // Named schemas reach `schemas` as they are written, nested ones included: write until none is new.
  const written = new Set<string>();
  while (written.size < schemas.size) {
    for (const [name, named] of [...schemas]) {
      if (written.has(name)) continue;
      written.add(name);
      components.schemas[name] = write(named.schema);
    }
  }
  components.schemas = Object.fromEntries(
    Object.entries(components.schemas).sort(([a], [b]) => compare(a, b)),
  );
  return {
    openapi: '3.1.0',
    info: { title: 'Berth admin API', version: info.version, description: DESCRIPTION },
    tags: [...tags]
      .sort(([, a], [, b]) => a.order - b.order)
      .map(([name, { description }]) => ({ name, ...(description && { description }) })),
    paths,
    components,
  };
}

type Write = (schema: Schema) => Record<string, unknown>;

function operationOf(route: ApiRoute, write: Write): Record<string, unknown> {
  const doc = route.doc;
  const parameters = parametersOf(route, write);
  const body = doc?.body;
  const operation: Record<string, unknown> = {
    operationId: doc?.operationId ?? operationIdOf(route),
    tags: [route.tag.name],
    summary: doc?.summary ?? route.handler,
    ...(doc?.description && { description: doc.description }),
    ...(parameters.length > 0 && { parameters }),
    ...(body && {
      requestBody: { required: !doc.bodyOptional, content: { [JSON_TYPE]: { schema: write(body) } } },
    }),
    responses: {
      [String(route.status)]: successOf(route, write),
      ...errorsOf(
        route,
        parameters.some((p) => p.in === 'query'),
        write,
      ),
    },
    ...(route.credentials !== 'none' && { security: SECURITY[route.credentials] }),
    ...(doc?.deprecated && { deprecated: true }),
  };
  return operation;
}

/** `ProjectRobotsController.create` → `projectRobots_create`. */
function operationIdOf(route: ApiRoute): string {
  const stem = route.controller.replace(/Controller$/, '');
  return `${stem.charAt(0).toLowerCase()}${stem.slice(1)}_${route.handler}`;
}

function parametersOf(route: ApiRoute, write: Write): Record<string, unknown>[] {
  const doc = route.doc;
  const path = route.pathParams.map((name) => {
    const given = doc?.params?.[name];
    return {
      name,
      in: 'path',
      required: true,
      ...(given?.description && { description: given.description }),
      schema: write(given?.schema ?? pathParameterSchema(name)),
    };
  });
  const paging: Record<string, unknown>[] = [];
  if (doc?.list) {
    paging.push({ $ref: '#/components/parameters/page' }, { $ref: '#/components/parameters/pageSize' });
    if (doc.listing?.q) paging.push({ $ref: '#/components/parameters/q', description: doc.listing.q });
    if (doc.listing?.sort) {
      paging.push({
        name: 'sort',
        in: 'query',
        description: `Comma-separated keys, \`-\` for descending: ${doc.listing.sort.map((k) => `\`${k}\``).join(', ')} (default \`${doc.listing.sort[0]}\`).`,
        schema: write(sortSchema(doc.listing.sort)),
      });
    }
  }
  const declared = doc?.query ?? [];
  const found: QueryParameter[] = route.namedQuery
    .filter((name) => !declared.some((parameter) => parameter.name === name))
    .map((name) => ({ name, schema: { type: 'string' } }));
  const query = [...declared, ...found].map((parameter) => ({
    name: parameter.name,
    in: 'query',
    ...(parameter.required && { required: true }),
    ...(parameter.description && { description: parameter.description }),
    schema: write(parameter.schema),
  }));
  return [...path, ...paging, ...query];
}

function successOf(route: ApiRoute, write: Write): Record<string, unknown> {
  const doc = route.doc;
  const description = SUCCESS[route.status] ?? 'Success';
  if (doc?.list) {
    return {
      description: `${description}: one page of the listing.`,
      headers: {
        'X-Total-Count': { $ref: '#/components/headers/X-Total-Count' },
        Link: { $ref: '#/components/headers/Link' },
      },
      content: { [JSON_TYPE]: { schema: write(arrayOf(doc.list)) } },
    };
  }
  if (doc?.response) return { description, content: { [JSON_TYPE]: { schema: write(doc.response) } } };
  return { description };
}

/** Failure answers (problem bodies) and any other answers the route declares. */
function errorsOf(route: ApiRoute, hasQuery: boolean, write: Write): Record<string, unknown> {
  const implied: ProblemStatus[] = [];
  if (route.readsBody || route.doc?.body) implied.push(400, 413, 415);
  if (hasQuery) implied.push(400);
  const declared = route.doc?.errors ?? [];
  const statuses = new Set<ProblemStatus | 401>([
    ...implied,
    ...(route.credentials !== 'none' ? ([401, 429] as const) : []),
    ...declared.filter((error): error is ProblemStatus => typeof error === 'number'),
  ]);
  const custom = declared.filter((error): error is CustomProblem => typeof error === 'object');
  const responses: Record<string, unknown> = {};
  for (const status of statuses) {
    responses[String(status)] = { $ref: `#/components/responses/${PROBLEM_RESPONSES[status].name}` };
  }
  for (const problem of custom) {
    responses[String(problem.status)] = {
      description: problem.description,
      content: { [PROBLEM_TYPE]: { schema: write(problem.schema) } },
    };
  }
  for (const other of route.doc?.otherResponses ?? []) {
    responses[String(other.status)] = {
      description: other.description,
      ...(other.schema && { content: { [JSON_TYPE]: { schema: write(other.schema) } } }),
    };
  }
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => compare(a, b)));
}

function problemResponses(write: Write): Record<string, unknown> {
  const problem = write(PROBLEM);
  return Object.fromEntries(
    Object.entries(PROBLEM_RESPONSES).map(([status, { name, description }]) => {
      const headers = PROBLEM_HEADERS[Number(status) as ProblemStatus | 401];
      return [
        name,
        { description, ...(headers && { headers }), content: { [PROBLEM_TYPE]: { schema: problem } } },
      ];
    }),
  );
}

/** The committed form of the document (`packages/api-client/openapi.json`). */
export function serializeDocument(document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
