import 'reflect-metadata';
import { loadConfig } from '@berth/config';
import { openDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '@berth/db';
import { createStorageDriver } from '@berth/storage';
import { createApiApp } from './http-server.js';
import { createLogger } from './logger.js';

/**
 * The api process: the OCI Distribution API at /v2/ and the admin API at /api/v1. Without
 * DATABASE_URL it runs an embedded PostgreSQL under the data directory.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  let embedded: EmbeddedDatabase | undefined;
  if (config.databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres(config.dataDir);
    logger.log({ message: 'embedded postgresql started', dataDir: config.dataDir }, 'berth');
  }
  const dataSource = await openDatabase({ url: config.databaseUrl ?? embedded!.url });
  const storage = createStorageDriver(config.storageUrl);
  const app = await createApiApp(dataSource, storage, logger, {
    realm: config.tokenRealm,
    service: config.tokenService,
  });
  const stop = async () => {
    await dataSource.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
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
