/** Database rows of replication executions and tasks, and their mapping to records. */
import type { ReplicationTriggerType } from './replication-policy-records.js';
import type {
  ReplicationOperation,
  ReplicationExecutionStatus,
  ReplicationTaskStatus,
  ReplicationExecutionRecord,
  ReplicationTaskRecord,
} from './replication-execution.types.js';

export interface ExecutionRow {
  id: string;
  policy_id: string;
  status: ReplicationExecutionStatus;
  trigger: ReplicationTriggerType;
  operation: ReplicationOperation;
  artifact_repository: string | null;
  artifact_digest: string | null;
  artifact_tags: string[] | null;
  requested_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  stop_requested: boolean;
  error: string | null;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  stopped: number;
  in_progress: number;
}

export const EXECUTION_COLUMNS = `e.id, e.policy_id, e.status, e.trigger, e.operation, e.artifact_repository,
  e.artifact_digest, e.artifact_tags, e.requested_by, e.created_at, e.started_at,
  e.finished_at, e.stop_requested, e.error, c.total, c.succeeded, c.failed, c.skipped, c.stopped, c.in_progress`;

export const COUNTS = `LEFT JOIN LATERAL (
    SELECT count(*)::int AS total,
      count(*) FILTER (WHERE t.status = 'succeeded')::int AS succeeded,
      count(*) FILTER (WHERE t.status = 'failed')::int AS failed,
      count(*) FILTER (WHERE t.status = 'skipped')::int AS skipped,
      count(*) FILTER (WHERE t.status = 'stopped')::int AS stopped,
      count(*) FILTER (WHERE t.status IN ('pending', 'running'))::int AS in_progress
    FROM replication_tasks t WHERE t.execution_id = e.id
  ) c ON true`;

export function executionOf(row: ExecutionRow): ReplicationExecutionRecord {
  return {
    id: row.id,
    policyId: row.policy_id,
    status: row.status,
    trigger: row.trigger,
    operation: row.operation,
    artifact:
      row.artifact_repository === null
        ? null
        : { repository: row.artifact_repository, digest: row.artifact_digest, tags: row.artifact_tags ?? [] },
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    stopRequested: row.stop_requested,
    error: row.error,
    total: row.total,
    succeeded: row.succeeded,
    failed: row.failed,
    skipped: row.skipped,
    stopped: row.stopped,
    inProgress: row.in_progress,
  };
}

export interface TaskRow {
  id: string;
  execution_id: string;
  status: ReplicationTaskStatus;
  operation: ReplicationOperation;
  source_repository: string;
  source_reference: string;
  destination_repository: string;
  destination_reference: string;
  digest: string | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  log: string;
  error: string | null;
}

export const TASK_COLUMNS = `id, execution_id, status, operation, source_repository, source_reference, destination_repository,
  destination_reference, digest, attempts, created_at, started_at, finished_at, log, error`;

export function taskOf(row: TaskRow): ReplicationTaskRecord {
  return {
    id: row.id,
    executionId: row.execution_id,
    status: row.status,
    operation: row.operation,
    sourceRepository: row.source_repository,
    sourceReference: row.source_reference,
    destinationRepository: row.destination_repository,
    destinationReference: row.destination_reference,
    digest: row.digest,
    attempts: row.attempts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    log: row.log,
    error: row.error,
  };
}
