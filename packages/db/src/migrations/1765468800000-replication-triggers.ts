import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replication triggers and limits.
 * - Policies: deletion replication (event triggers), a bandwidth limit per task, a concurrency
 *   limit per execution and the retry back-off (`max_attempts` stays the number of tries).
 * - Executions: an event-triggered execution names its one artifact and whether it copies or
 *   deletes it.
 * - Tasks: copy or delete; `dispatched` marks a pending task that holds one of its execution's
 *   concurrency slots (its job is queued). Running plus dispatched tasks never exceed the
 *   policy's concurrency: slots are taken under the execution's row lock.
 */
export class ReplicationTriggers1765468800000 implements MigrationInterface {
  name = 'ReplicationTriggers1765468800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE replication_policies
        ADD COLUMN replicate_deletion boolean NOT NULL DEFAULT false,
        ADD COLUMN bandwidth_limit_kbps integer CHECK (bandwidth_limit_kbps BETWEEN 1 AND 10485760),
        ADD COLUMN concurrency integer NOT NULL DEFAULT 4 CHECK (concurrency BETWEEN 1 AND 64),
        ADD COLUMN retry_backoff_seconds integer NOT NULL DEFAULT 1 CHECK (retry_backoff_seconds BETWEEN 0 AND 3600);
      CREATE INDEX replication_policies_triggered ON replication_policies (trigger_type) WHERE enabled;
      ALTER TABLE replication_executions
        ADD COLUMN operation text NOT NULL DEFAULT 'copy' CHECK (operation IN ('copy', 'delete')),
        ADD COLUMN artifact_repository text,
        ADD COLUMN artifact_digest text,
        ADD COLUMN artifact_tags text[];
      CREATE INDEX replication_executions_active ON replication_executions (policy_id)
        WHERE status IN ('pending', 'running');
      ALTER TABLE replication_tasks
        ADD COLUMN operation text NOT NULL DEFAULT 'copy' CHECK (operation IN ('copy', 'delete')),
        ADD COLUMN dispatched boolean NOT NULL DEFAULT false;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE replication_tasks DROP COLUMN operation, DROP COLUMN dispatched;
      DROP INDEX replication_executions_active;
      ALTER TABLE replication_executions DROP COLUMN operation, DROP COLUMN artifact_repository,
        DROP COLUMN artifact_digest, DROP COLUMN artifact_tags;
      DROP INDEX replication_policies_triggered;
      ALTER TABLE replication_policies DROP COLUMN replicate_deletion, DROP COLUMN bandwidth_limit_kbps,
        DROP COLUMN concurrency, DROP COLUMN retry_backoff_seconds;
    `);
  }
}
