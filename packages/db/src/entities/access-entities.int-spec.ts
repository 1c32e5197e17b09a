import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { LoginFailureEntity } from './login-failure.entity.js';
import { ProjectMemberEntity } from './project-member.entity.js';
import { ProjectEntity } from './project.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { RobotEntity } from './robot.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { UserEntity } from './user.entity.js';

const ACCESS_ENTITIES = [
  UserEntity,
  ProjectEntity,
  ProjectMemberEntity,
  RobotEntity,
  SigningKeyEntity,
  RefreshTokenEntity,
  LoginFailureEntity,
  AuditEventEntity,
];

/**
 * The entities document the access-control migration; `synchronize` never runs, so nothing
 * else would notice an entity drifting from the table it claims to describe.
 */
describe('access-control entities', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 2 });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it.each(ACCESS_ENTITIES.map((entity) => [entity.name, entity] as const))(
    '%s matches its table column for column, nullability and primary key included',
    async (_name, entity) => {
      const metadata = dataSource.getMetadata(entity);
      const rows: { column_name: string; is_nullable: 'YES' | 'NO' }[] = await dataSource.query(
        `SELECT column_name, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1`,
        [metadata.tableName],
      );
      expect(rows.length).toBeGreaterThan(0);
      const byName = (a: string[], b: string[]) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0);
      const fromEntity = metadata.columns.map((column) => [
        column.databaseName,
        column.isNullable ? 'YES' : 'NO',
      ]);
      const fromTable = rows.map((row) => [row.column_name, row.is_nullable]);
      expect(fromEntity.sort(byName)).toEqual(fromTable.sort(byName));

      const keys: { column_name: string }[] = await dataSource.query(
        `SELECT k.column_name FROM information_schema.table_constraints c
         JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name
         WHERE c.table_schema = 'public' AND c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY'`,
        [metadata.tableName],
      );
      expect(metadata.primaryColumns.map((column) => column.databaseName).sort()).toEqual(
        keys.map((key) => key.column_name).sort(),
      );
    },
  );
});
