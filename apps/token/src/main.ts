import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadOrCreateKeyFile, publicJwk } from '@berth/auth';
import { loadConfig, tuneHeapGrowth, DEFAULT_HEAP_GROWTH, type LogLevel } from '@berth/config';
import { openDatabase, TypeormSigningKeyRecords, TypeormUserRecords } from '@berth/db';
import { ensureAdminUser } from './admin-bootstrap.js';
import { TokenModule } from './token.module.js';

const NEST_LEVELS: Record<LogLevel, ('debug' | 'log' | 'warn' | 'error' | 'fatal')[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/** OAuth2 token requests are small forms (Nest's fastify adapter parses urlencoded bodies). */
const FORM_LIMIT = 64 * 1024;

/**
 * The token service process. It needs DATABASE_URL: on a single machine, `pnpm start` runs the
 * embedded PostgreSQL and hands its URL to every process.
 */
async function main(): Promise<void> {
  // Fixes how far the heap grows between full collections (why: @berth/config runtime-tuning.ts).
  tuneHeapGrowth(DEFAULT_HEAP_GROWTH);
  const config = loadConfig();
  const logger = new ConsoleLogger({ logLevels: NEST_LEVELS[config.logLevel], json: !process.stdout.isTTY });
  if (config.databaseUrl === undefined) throw new Error('DATABASE_URL is required (pnpm start provides one)');
  const dataSource = await openDatabase({ url: config.databaseUrl, poolSize: 10 });
  const key = await loadOrCreateKeyFile(config.tokenKeyFile);
  await new TypeormSigningKeyRecords(dataSource).publish(key.kid, publicJwk(key));
  const admin = await ensureAdminUser(
    new TypeormUserRecords(dataSource),
    config.dataDir,
    config.adminPassword,
  );
  if (admin.created) {
    logger.log(
      { message: 'admin user created', passwordFile: admin.passwordFile ?? 'BERTH_ADMIN_PASSWORD' },
      'token',
    );
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    TokenModule.register(dataSource, key, config.tokenService, {
      windowSeconds: config.auditPullWindowSeconds,
    }),
    new FastifyAdapter({ bodyLimit: FORM_LIMIT }),
    { logger },
  );
  await app.listen(config.tokenPort, config.host);
  console.log(`Berth token service listening on http://${config.host}:${config.tokenPort}/service/token`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app
        .close()
        .then(() => dataSource.destroy())
        .finally(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error('berth token service failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
