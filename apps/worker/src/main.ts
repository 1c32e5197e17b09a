import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  loadConfig,
  resolveSecretKey,
  tuneHeapGrowth,
  STREAMING_HEAP_GROWTH,
  type LogLevel,
} from '@berth/config';
import { openDatabase } from '@berth/db';
import { createStorageDriver } from '@berth/storage';
import { WorkerModule } from './worker.module.js';
import { WorkerSettings } from './worker-settings.js';

const NEST_LEVELS: Record<LogLevel, ('debug' | 'log' | 'warn' | 'error' | 'fatal')[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/**
 * The worker process: a NestJS application context (no HTTP) running the BullMQ processors of
 * `@berth/jobs`' maintenance and replication queues. It needs DATABASE_URL (`pnpm start` provides one); Redis
 * may come later.
 */
async function main(): Promise<void> {
  // Fixes how far the heap grows between full collections (why: @berth/config runtime-tuning.ts).
  tuneHeapGrowth(STREAMING_HEAP_GROWTH);
  const config = loadConfig();
  const logger = new ConsoleLogger({ logLevels: NEST_LEVELS[config.logLevel], json: !process.stdout.isTTY });
  if (config.databaseUrl === undefined) throw new Error('DATABASE_URL is required (pnpm start provides one)');
  const dataSource = await openDatabase({ url: config.databaseUrl, poolSize: 5 });
  const storage = createStorageDriver(config.storageUrl);
  const app = await NestFactory.createApplicationContext(
    WorkerModule.register(dataSource, storage, WorkerSettings.from(config), await resolveSecretKey(config)),
    { logger },
  );
  await app.init();
  console.log(`Berth worker started (storage: ${storage.name})`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log({ message: 'worker stopping; a running job stops at its next batch', signal }, 'worker');
      void app
        .close()
        .then(() => dataSource.destroy())
        .catch((error: unknown) => console.error('berth worker stopped with an error:', error))
        .finally(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error('berth worker failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
