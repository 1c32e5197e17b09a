import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

export interface DatabaseOptions {
  url: string;
  /** Pool size per process. */
  poolSize?: number;
}

/**
 * Opens the data source and brings the schema up to date. Migrations run inside a transaction
 * under an advisory lock (TypeORM's default for PostgreSQL), so replicas starting together are
 * safe. `synchronize` is never used.
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
  await dataSource.runMigrations();
  return dataSource;
}
