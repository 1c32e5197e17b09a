import { NestFactory, ModulesContainer } from '@nestjs/core';
import { loadConfig } from '@berth/config';
import { DataSource } from '@berth/db';
import { createStorageDriver } from '@berth/storage';
import { AppModule } from '../app.module.js';
import { apiVersion } from './api-version.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.js';
import { controllersOf } from './route-table.js';

/**
 * The document without a database, Redis or storage: the application's module graph in Nest's
 * preview mode (modules and controllers are read, no provider is instantiated, nothing
 * connects). The data source is a TypeORM `DataSource` that is never initialised.
 */
export async function buildOfflineDocument(): Promise<OpenApiDocument> {
  const dataSource = new DataSource({ type: 'postgres', url: 'postgres://offline.invalid/berth' });
  const config = loadConfig({});
  const module = AppModule.register(dataSource, createStorageDriver('memory://'), config, Buffer.alloc(32));
  const context = await NestFactory.createApplicationContext(module, {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(controllersOf(context.get(ModulesContainer)), { version: apiVersion() });
  } finally {
    await context.close();
  }
}
