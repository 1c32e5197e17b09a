import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from './data-source.js';
import { MIGRATIONS } from './migrations/index.js';

const REGISTRY_TABLES = [
  'blobs',
  'manifest_references',
  'manifests',
  'repositories',
  'repository_blobs',
  'tags',
  'upload_sessions',
];

async function tables(dataSource: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

async function executedMigrations(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query(`SELECT name FROM migrations ORDER BY id`);
  return rows.map((row) => row.name);
}

describe('openDatabase', () => {
  // Every test gets its own database: they are about what happens to an empty one.
  const databases: TestDatabase[] = [];
  const dataSources: DataSource[] = [];

  async function freshDatabase(): Promise<TestDatabase> {
    const database = await createTestDatabase();
    databases.push(database);
    return database;
  }

  async function open(url: string): Promise<DataSource> {
    const dataSource = await openDatabase({ url, poolSize: 4 });
    dataSources.push(dataSource);
    return dataSource;
  }

  afterAll(async () => {
    for (const dataSource of dataSources) if (dataSource.isInitialized) await dataSource.destroy();
    for (const database of databases) await database.drop();
  }, 30_000);

  it('applies every migration to an empty database', async () => {
    const database = await freshDatabase();
    const dataSource = await open(database.url);
    expect(dataSource.isInitialized).toBe(true);
    const present = await tables(dataSource);
    expect(present).toEqual(expect.arrayContaining([...REGISTRY_TABLES, 'migrations']));
    expect(await executedMigrations(dataSource)).toEqual(MIGRATIONS.map((m) => new m().name));
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('creates the constraints the stores rely on', async () => {
    const database = await freshDatabase();
    const dataSource = await open(database.url);
    const rows: { table_name: string; constraint_type: string }[] = await dataSource.query(
      `SELECT table_name, constraint_type FROM information_schema.table_constraints
       WHERE table_schema = 'public' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')`,
    );
    const has = (table: string, type: string) =>
      rows.some((row) => row.table_name === table && row.constraint_type === type);
    expect(has('repositories', 'UNIQUE')).toBe(true);
    expect(has('manifests', 'UNIQUE')).toBe(true);
    for (const table of ['repository_blobs', 'manifests', 'manifest_references', 'tags', 'upload_sessions']) {
      expect(has(table, 'FOREIGN KEY')).toBe(true);
    }
    await expect(
      dataSource.query(`INSERT INTO blobs (digest, size) VALUES ('sha256:x', -1)`),
    ).rejects.toThrow();
  });

  it('does nothing when the schema is already up to date', async () => {
    const database = await freshDatabase();
    const first = await open(database.url);
    await first.query(`INSERT INTO repositories (name) VALUES ('kept')`);
    const second = await open(database.url);
    expect(await executedMigrations(second)).toHaveLength(MIGRATIONS.length);
    const rows: { name: string }[] = await second.query(`SELECT name FROM repositories`);
    expect(rows).toEqual([{ name: 'kept' }]);
  });

  // Regression: TypeORM takes no lock of its own, so without Berth's advisory lock two replicas
  // booting on a new database both created the `migrations` table and ran RegistrySchema, and
  // all but one failed ("relation migrations already exists", "pg_type_typname_nsp_index").
  it('is safe when two processes open the same new database at once', async () => {
    const database = await freshDatabase();
    const results = await Promise.allSettled([
      openDatabase({ url: database.url, poolSize: 2 }),
      openDatabase({ url: database.url, poolSize: 2 }),
    ]);
    for (const result of results) if (result.status === 'fulfilled') dataSources.push(result.value);
    const failures = results.flatMap((result) =>
      result.status === 'rejected' ? [String((result.reason as Error).message)] : [],
    );
    expect(failures).toEqual([]);
    const dataSource = (results[0] as PromiseFulfilledResult<DataSource>).value;
    expect(await executedMigrations(dataSource)).toEqual(MIGRATIONS.map((m) => new m().name));
    expect(await tables(dataSource)).toEqual(expect.arrayContaining(REGISTRY_TABLES));
  });

  it('is safe when four processes open the same new database at once', async () => {
    const database = await freshDatabase();
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => openDatabase({ url: database.url, poolSize: 2 })),
    );
    for (const result of results) if (result.status === 'fulfilled') dataSources.push(result.value);
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(0);
  });

  // Regression: openDatabase() once held the advisory lock on one pooled connection while
  // `runMigrations()` waited for a second one from the same pool, so a pool of one hung forever.
  it('opens a new database with a pool of one connection', async () => {
    const database = await freshDatabase();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), 5000);
    });
    const opening = openDatabase({ url: database.url, poolSize: 1 }).then((dataSource) => {
      dataSources.push(dataSource);
      return dataSource;
    });
    // When it hangs, dropping the database in afterAll makes it reject: that is expected.
    opening.catch(() => undefined);
    const outcome = await Promise.race([opening, timeout]);
    clearTimeout(timer);
    expect(outcome).not.toBe('timed out');
    expect(await executedMigrations(outcome as DataSource)).toHaveLength(MIGRATIONS.length);
  }, 15_000);

  describe('down', () => {
    let database: TestDatabase;
    let dataSource: DataSource;

    beforeAll(async () => {
      database = await freshDatabase();
      dataSource = await open(database.url);
    });

    it('reverts the schema, leaving only the migrations bookkeeping', async () => {
      await dataSource.query(`INSERT INTO repositories (name) VALUES ('doomed')`);
      for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'all' });
      const present = await tables(dataSource);
      for (const table of REGISTRY_TABLES) expect(present).not.toContain(table);
      expect(await executedMigrations(dataSource)).toEqual([]);
      expect(await dataSource.showMigrations()).toBe(true);
    });

    it('can be applied again after a revert', async () => {
      await dataSource.runMigrations({ transaction: 'all' });
      expect(await tables(dataSource)).toEqual(expect.arrayContaining(REGISTRY_TABLES));
      expect(await executedMigrations(dataSource)).toHaveLength(MIGRATIONS.length);
      const rows: unknown[] = await dataSource.query(`SELECT * FROM repositories`);
      expect(rows).toEqual([]);
    });

    it('a revert is atomic: a failing down leaves the schema as it was', async () => {
      // Something outside the migrations depends on every column of every table (a view per
      // table), so whichever migration is last, its down fails part-way: at its first DROP
      // TABLE or DROP COLUMN, after the statements before it.
      const all: { table_name: string }[] = await dataSource.query(
        `SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations'`,
      );
      for (const { table_name } of all) {
        await dataSource.query(`CREATE VIEW "depends_on_${table_name}" AS SELECT * FROM "${table_name}"`);
      }
      await expect(dataSource.undoLastMigration({ transaction: 'all' })).rejects.toThrow();
      expect(await tables(dataSource)).toEqual(expect.arrayContaining(REGISTRY_TABLES));
      expect(await executedMigrations(dataSource)).toHaveLength(MIGRATIONS.length);
      for (const { table_name } of all) await dataSource.query(`DROP VIEW "depends_on_${table_name}"`);
    });
  });
});
