import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log at scale: keyset pagination walks `(at, id)` newest first, so the thousandth page
 * costs what the first does; a project's log and a `resource` filter use a prefix index on
 * `resource`. Retention deletes by `at` through the same index.
 */
export class AuditKeyset1765213200000 implements MigrationInterface {
  name = 'AuditKeyset1765213200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP INDEX IF EXISTS audit_events_at;
      CREATE INDEX audit_events_at_id ON audit_events (at DESC, id DESC);
      CREATE INDEX audit_events_resource ON audit_events (resource text_pattern_ops, at DESC, id DESC);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP INDEX audit_events_resource;
      DROP INDEX audit_events_at_id;
      CREATE INDEX audit_events_at ON audit_events (at DESC);
    `);
  }
}
