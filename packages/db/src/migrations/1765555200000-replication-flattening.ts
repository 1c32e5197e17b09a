import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replication flattening: how many leading path segments of a source name the destination
 * namespace replaces (`none`, `1`, `2`, `all`). Existing policies get `1`, what they did before.
 */
export class ReplicationFlattening1765555200000 implements MigrationInterface {
  name = 'ReplicationFlattening1765555200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE replication_policies
        ADD COLUMN flattening text NOT NULL DEFAULT '1' CHECK (flattening IN ('none', '1', '2', 'all'));
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE replication_policies DROP COLUMN flattening;`);
  }
}
