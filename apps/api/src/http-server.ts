import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveSecretKey, type BerthConfig } from '@berth/config';
import type { DataSource } from '@berth/db';
import type { StorageDriver } from '@berth/storage';
import type { LoggerService } from '@nestjs/common';
import { AppModule } from './app.module.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { ApiMetrics } from './observability/api-metrics.js';
import { installHttpMetrics } from './observability/http-metrics.hook.js';
import { mountApiDocs } from './openapi/api-docs.routes.js';

/** JSON bodies of the admin API are small; /v2/ bodies are streams and never parsed. */
const ADMIN_JSON_LIMIT = 1024 * 1024;

/**
 * Builds the api application. Body parsing is Berth's own: every /v2/ body stays an unread
 * stream for the handlers (blobs stream to storage, manifests are read with a size cap), and
 * only /api/ JSON is parsed.
 */
export async function createApiApp(
  dataSource: DataSource,
  storage: StorageDriver,
  logger: LoggerService,
  config: BerthConfig,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Uploads can take as long as the client needs; idle sockets are still reaped.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    bodyLimit: ADMIN_JSON_LIMIT,
    // Repository names and tags are case-sensitive and may end in a slash (`blobs/uploads/`).
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 1024 },
    // A malformed URL never reaches a route; answer it in the spec's shape too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const isV2 = request.url.startsWith('/v2');
      const body = isV2
        ? { errors: [{ code: 'NAME_INVALID', message: error.message }] }
        : { type: 'about:blank', title: error.message, status: 400 };
      void reply
        .code(400)
        .header('Content-Type', isV2 ? 'application/json' : 'application/problem+json')
        .send(JSON.stringify(body));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(dataSource, storage, config, await resolveSecretKey(config)),
    adapter,
    {
      bodyParser: false,
      logger,
    },
  );
  app.useGlobalFilters(new HttpErrorFilter());
  installBodyParsers(app.getHttpAdapter().getInstance());
  installHttpMetrics(app.getHttpAdapter().getInstance(), app.get(ApiMetrics));
  mountApiDocs(app);
  return app;
}

function installBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, payload, done) => {
    if (request.url.startsWith('/v2')) return done(null, undefined);
    readJson(payload, request.headers['content-type']).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });
}

/** Reads a small admin-API body; JSON is parsed, anything else is refused with 415. */
async function readJson(payload: NodeJS.ReadableStream, contentType: string | undefined): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of payload) {
    total += (chunk as Buffer).length;
    if (total > ADMIN_JSON_LIMIT)
      throw Object.assign(new Error('request body too large'), { statusCode: 413 });
    chunks.push(chunk as Buffer);
  }
  if (total === 0) return undefined;
  if (!/^application\/(.+\+)?json\b/i.test(contentType ?? '')) {
    throw Object.assign(new Error('expected application/json'), { statusCode: 415 });
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Object.assign(new Error('malformed JSON body'), { statusCode: 400 });
  }
}
