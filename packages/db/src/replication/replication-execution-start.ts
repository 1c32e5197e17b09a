/** Inserting replication executions: any trigger, and scheduled ones that must not overlap. */
import type { DataSource } from 'typeorm';
import { NotFoundError } from '../access/errors.js';
import { FOREIGN_KEY_VIOLATION, pgErrorCode } from '../access/pg-errors.js';
import { isRecordId } from '../access/statements.js';
import type { ReplicationEventWork } from './replication-execution.types.js';
import type { ReplicationTriggerType } from './replication-policy-records.js';

/** `createUnlessActive` found an execution of the policy pending or running. */
export interface ActiveReplicationExecution {
  activeId: string;
}

/** A pending execution's id; `NotFoundError` when the policy does not exist. */
export async function insertExecution(
  db: DataSource,
  policyId: string,
  trigger: ReplicationTriggerType,
  requestedBy: string | null,
  work?: ReplicationEventWork,
): Promise<string> {
  if (!isRecordId(policyId)) throw new NotFoundError(`policy ${policyId} not found`);
  try {
    const rows: { id: string }[] = await db.query(
      `INSERT INTO replication_executions (policy_id, trigger, requested_by, operation, artifact_repository,
         artifact_digest, artifact_tags)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        policyId,
        trigger,
        requestedBy,
        work?.operation ?? 'copy',
        work?.artifact.repository ?? null,
        work?.artifact.digest ?? null,
        work ? work.artifact.tags : null,
      ],
    );
    return rows[0]!.id;
  } catch (error) {
    if (pgErrorCode(error) === FOREIGN_KEY_VIOLATION) throw new NotFoundError(`policy ${policyId} not found`);
    throw error;
  }
}

/**
 * A pending execution's id, unless one of the policy is pending or running. The policy's row
 * lock (FOR UPDATE) conflicts with the FOR KEY SHARE lock every insert's foreign key check takes,
 * so a concurrent creation for this policy is either seen here or waits for this one.
 */
export async function insertExecutionUnlessActive(
  db: DataSource,
  policyId: string,
  trigger: ReplicationTriggerType,
): Promise<{ id: string } | ActiveReplicationExecution> {
  if (!isRecordId(policyId)) throw new NotFoundError(`policy ${policyId} not found`);
  return db.transaction(async (manager) => {
    const policy: { id: string }[] = await manager.query(
      `SELECT id FROM replication_policies WHERE id = $1 FOR UPDATE`,
      [policyId],
    );
    if (!policy[0]) throw new NotFoundError(`policy ${policyId} not found`);
    const active: { id: string }[] = await manager.query(
      `SELECT id FROM replication_executions WHERE policy_id = $1 AND status IN ('pending', 'running')
       ORDER BY id LIMIT 1`,
      [policyId],
    );
    if (active[0]) return { activeId: active[0].id };
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO replication_executions (policy_id, trigger) VALUES ($1, $2) RETURNING id`,
      [policyId, trigger],
    );
    return { id: rows[0]!.id };
  });
}
