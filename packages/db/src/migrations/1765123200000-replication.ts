import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replication: remote registries (credentials encrypted with AES-256-GCM, never in clear),
 * policies, executions and their tasks (one per artifact copied). PostgreSQL is the truth about
 * an execution; Redis only carries the jobs that point at these rows, so a lost job or a dead
 * worker is repaired from here.
 */
export class Replication1765123200000 implements MigrationInterface {
  name = 'Replication1765123200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE registries (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        type text NOT NULL CHECK (type IN ('oci', 'berth', 'docker-hub')),
        url text NOT NULL,
        username text,
        -- 'v1:' || base64(iv) || ':' || base64(tag) || ':' || base64(ciphertext); never the password.
        password_encrypted text,
        insecure boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE replication_policies (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        mode text NOT NULL CHECK (mode IN ('push', 'pull')),
        registry_id bigint NOT NULL REFERENCES registries (id) ON DELETE RESTRICT,
        source_namespace text,
        destination_namespace text,
        repository_filter text,
        tag_filter text,
        trigger_type text NOT NULL DEFAULT 'manual' CHECK (trigger_type IN ('manual', 'scheduled', 'event')),
        trigger_cron text,
        override boolean NOT NULL DEFAULT true,
        enabled boolean NOT NULL DEFAULT true,
        max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE replication_executions (
        id bigserial PRIMARY KEY,
        policy_id bigint NOT NULL REFERENCES replication_policies (id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'stopped')),
        trigger text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'scheduled', 'event')),
        requested_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        heartbeat_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        stop_requested boolean NOT NULL DEFAULT false,
        -- true once every task is inserted: only then can the last task finish the execution.
        resolved boolean NOT NULL DEFAULT false,
        error text
      );
      CREATE INDEX replication_executions_policy ON replication_executions (policy_id, id DESC);
      CREATE TABLE replication_tasks (
        id bigserial PRIMARY KEY,
        execution_id bigint NOT NULL REFERENCES replication_executions (id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'stopped')),
        source_repository text NOT NULL,
        source_reference text NOT NULL,
        destination_repository text NOT NULL,
        destination_reference text NOT NULL,
        digest text,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        heartbeat_at timestamptz,
        log text NOT NULL DEFAULT '',
        error text,
        UNIQUE (execution_id, source_repository, source_reference)
      );
      CREATE INDEX replication_tasks_active ON replication_tasks (status) WHERE status IN ('pending', 'running');
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      `DROP TABLE replication_tasks; DROP TABLE replication_executions; DROP TABLE replication_policies; DROP TABLE registries;`,
    );
  }
}
