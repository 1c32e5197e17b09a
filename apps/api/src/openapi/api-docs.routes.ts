import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { apiVersion } from './api-version.js';
import { DOCS_PAGE, DOCS_SCRIPT } from './docs-page.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { controllersOf } from './route-table.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/v1/docs';

/** Swagger UI's files that the page loads, with their types: nothing else is served. */
const ASSETS: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * The page may load only what this server serves: the UI works air-gapped, and "try it out"
 * talks to this api only. Swagger UI sets inline styles, hence `'unsafe-inline'` for styles.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Serves the admin API's OpenAPI document at `/api/v1/openapi.json` and Swagger UI at
 * `/api/v1/docs`, unauthenticated (they describe the API, not its data). The document is built
 * from the controllers on first request and kept; Swagger UI comes from the `swagger-ui-dist`
 * package on disk, never from a CDN.
 */
export function mountApiDocs(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  let documentJson: string | undefined;
  const document = () =>
    (documentJson ??= JSON.stringify(
      buildOpenApiDocument(controllersOf(app.get(ModulesContainer)), { version: apiVersion() }),
    ));
  const assetsDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  fastify.get(OPENAPI_PATH, (_request, reply) =>
    reply
      .header('Content-Type', 'application/json; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .send(document()),
  );
  fastify.get(DOCS_PATH, (_request, reply) =>
    page(reply).header('Content-Type', 'text/html; charset=utf-8').send(DOCS_PAGE),
  );
  fastify.get(`${DOCS_PATH}/berth-docs.js`, (_request, reply) =>
    page(reply).header('Content-Type', 'text/javascript; charset=utf-8').send(DOCS_SCRIPT),
  );
  fastify.get<{ Params: { asset: string } }>(`${DOCS_PATH}/:asset`, (request, reply) => {
    const type = Object.hasOwn(ASSETS, request.params.asset) ? ASSETS[request.params.asset] : undefined;
    if (type === undefined) {
      return reply
        .code(404)
        .header('Content-Type', 'application/problem+json')
        .send(JSON.stringify({ type: 'about:blank', title: 'no such file', status: 404 }));
    }
    return page(reply)
      .header('Content-Type', type)
      .header('Cache-Control', 'public, max-age=3600')
      .send(createReadStream(path.join(assetsDir, request.params.asset)));
  });
}

function page(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer');
}
