import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Garbage-collection runs (history, progress, stop requests, the worker's heartbeat) and the
 * small key/value table of operator settings the worker turns into schedules. PostgreSQL is the
 * truth; Redis only carries the jobs that point at these rows.
 */
export class GcRuns1765036800000 implements MigrationInterface {
  name = 'GcRuns1765036800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE gc_runs (
        id bigserial PRIMARY KEY,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'stopped')),
        trigger text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'schedule')),
        dry_run boolean NOT NULL,
        delete_untagged boolean NOT NULL,
        grace_seconds bigint NOT NULL CHECK (grace_seconds >= 0),
        requested_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        heartbeat_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        stop_requested boolean NOT NULL DEFAULT false,
        manifests_deleted bigint NOT NULL DEFAULT 0,
        blobs_deleted bigint NOT NULL DEFAULT 0,
        bytes_freed bigint NOT NULL DEFAULT 0,
        progress jsonb,
        log text NOT NULL DEFAULT '',
        report jsonb,
        error text
      );
      -- "One at a time": at most one run is waiting or running, whoever asks.
      CREATE UNIQUE INDEX gc_runs_one_active ON gc_runs ((true)) WHERE status IN ('pending', 'running');
      CREATE TABLE system_settings (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE system_settings; DROP TABLE gc_runs;`);
  }
}
