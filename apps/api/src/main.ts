import 'reflect-metadata';
import { loadConfig, tuneHeapGrowth, STREAMING_HEAP_GROWTH } from '@berth/config';
import { openDatabase } from '@berth/db';
import { createStorageDriver } from '@berth/storage';
import { createApiApp } from './http-server.js';
import { createLogger } from './logger.js';

/**
 * The api process: the OCI Distribution API at /v2/ and the admin API at /api/v1. It needs
 * DATABASE_URL: on a single machine, `pnpm start` runs the embedded PostgreSQL and hands its
 * URL to every process.
 */
async function main(): Promise<void> {
  // Fixes how far the heap grows between full collections (why: @berth/config runtime-tuning.ts).
  tuneHeapGrowth(STREAMING_HEAP_GROWTH);
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (config.databaseUrl === undefined) throw new Error('DATABASE_URL is required (pnpm start provides one)');
  const dataSource = await openDatabase({ url: config.databaseUrl });
  const storage = createStorageDriver(config.storageUrl);
  const app = await createApiApp(dataSource, storage, logger, config);
  const stop = async () => {
    await dataSource.destroy().catch(() => undefined);
  };
  process.once('beforeExit', () => void stop());
  await app.listen(config.port, config.host);
  // Plain stdout, independent of the log level: this is the operator's "it is up" line.
  console.log(`Berth registry listening on ${config.publicUrl} (storage: ${storage.name})`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app
        .close()
        .then(stop)
        .finally(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error('berth api failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
