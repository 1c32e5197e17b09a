/**
 * The concurrency limit of replication executions, kept in PostgreSQL so that it holds across
 * any number of workers and survives a killed one.
 *
 * A pending task is either waiting for a slot, or `dispatched`: it holds one of its execution's
 * slots and its job is queued. Running tasks hold theirs until they end. Slots are handed out
 * under the execution's row lock, so two workers ending tasks of one execution at the same time
 * cannot both fill the same free slot; a worker that dies takes no slot with it, because the
 * reaper turns its running tasks back into undispatched pending ones.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { isRecordId } from '../access/statements.js';

/** A task to enqueue (its claim count makes the job id, see `jobIdFor`). */
export interface DispatchedTask {
  id: string;
  attempts: number;
}

/**
 * Dispatches as many pending tasks of the execution as it has free slots (its policy's
 * `concurrency` minus running and dispatched tasks), oldest first. Nothing for an execution that
 * is not running, not resolved, or asked to stop.
 */
export async function dispatchTasks(db: DataSource, executionId: string): Promise<DispatchedTask[]> {
  if (!isRecordId(executionId)) return [];
  return db.transaction((manager) => dispatchLocked(manager, executionId));
}

async function dispatchLocked(manager: EntityManager, executionId: string): Promise<DispatchedTask[]> {
  // READ COMMITTED: each statement below sees what committed while this one waited for the lock.
  const locked: { concurrency: number }[] = await manager.query(
    `SELECT p.concurrency FROM replication_executions e JOIN replication_policies p ON p.id = e.policy_id
     WHERE e.id = $1 AND e.status = 'running' AND e.resolved AND NOT e.stop_requested
     FOR UPDATE OF e`,
    [executionId],
  );
  if (!locked[0]) return [];
  const held: { n: number }[] = await manager.query(
    `SELECT count(*)::int AS n FROM replication_tasks
     WHERE execution_id = $1 AND (status = 'running' OR (status = 'pending' AND dispatched))`,
    [executionId],
  );
  const free = locked[0].concurrency - held[0]!.n;
  if (free <= 0) return [];
  return manager.query(
    `WITH picked AS (
       SELECT id FROM replication_tasks
       WHERE execution_id = $1 AND status = 'pending' AND NOT dispatched ORDER BY id LIMIT $2
     ), marked AS (
       UPDATE replication_tasks t SET dispatched = true FROM picked WHERE t.id = picked.id
       RETURNING t.id, t.attempts
     ) SELECT id, attempts FROM marked ORDER BY id`,
    [executionId, free],
  );
}

/**
 * For the reconciler: fills the free slots of every running execution, then lists every
 * dispatched task, whose job may have been lost with Redis (a job still queued makes the
 * re-enqueue a no-op).
 */
export async function dispatchedWork(db: DataSource): Promise<DispatchedTask[]> {
  const waiting: { id: string }[] = await db.query(
    `SELECT e.id FROM replication_executions e
     WHERE e.status = 'running' AND e.resolved AND NOT e.stop_requested
       AND EXISTS (SELECT 1 FROM replication_tasks t
                   WHERE t.execution_id = e.id AND t.status = 'pending' AND NOT t.dispatched)
     ORDER BY e.id`,
  );
  for (const execution of waiting) await dispatchTasks(db, execution.id);
  return db.query(
    `SELECT t.id, t.attempts FROM replication_tasks t JOIN replication_executions e ON e.id = t.execution_id
     WHERE t.status = 'pending' AND t.dispatched AND e.status = 'running' ORDER BY t.id`,
  );
}
