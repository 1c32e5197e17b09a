import 'reflect-metadata';
import { DataSource, MigrationExecutor } from 'typeorm';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

export interface DatabaseOptions {
  url: string;
  /** Pool size per process. */
  poolSize?: number;
}

/** Any constant works; it names Berth's migration lock among the database's advisory locks. */
const MIGRATION_LOCK = 0x62657274; // "bert"

/**
 * Opens the data source and brings the schema up to date. Migrations run in one transaction,
 * under a session advisory lock, so replicas starting together against a new database take
 * turns instead of racing to create the same tables. `synchronize` is never used.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize ?? 20 },
  });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    // On the lock's own connection, so a pool of one cannot deadlock against itself.
    const executor = new MigrationExecutor(dataSource, lock);
    executor.transaction = 'all';
    await executor.executePendingMigrations();
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
  return dataSource;
}
