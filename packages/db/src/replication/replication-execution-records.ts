import type { DataSource } from 'typeorm';
import { fetchPage, pageWindow, type Page, type PageQuery } from '../access/listing.js';
import { isRecordId } from '../access/statements.js';
import type { ReplicationTriggerType } from './replication-policy-records.js';
import {
  type ExecutionRow,
  EXECUTION_COLUMNS,
  COUNTS,
  executionOf,
  type TaskRow,
  TASK_COLUMNS,
  taskOf,
} from './replication-execution.rows.js';
import type {
  ReplicationExecutionStatus,
  ReplicationExecutionRecord,
  ReplicationTaskRecord,
  NewReplicationTask,
  ReplicationTaskResult,
  ReapedReplication,
  ReplicationEventWork,
} from './replication-execution.types.js';
import { dispatchedWork, dispatchTasks, type DispatchedTask } from './replication-task-slots.js';
import {
  insertExecution,
  insertExecutionUnlessActive,
  type ActiveReplicationExecution,
} from './replication-execution-start.js';

export * from './replication-execution.types.js';
export { TASK_COLUMNS, taskOf } from './replication-execution.rows.js';
export type { DispatchedTask } from './replication-task-slots.js';
export type { ActiveReplicationExecution } from './replication-execution-start.js';

/**
 * Port: replication executions. PostgreSQL is the truth: an execution's counts come from its
 * tasks, and it ends (`succeeded`, `failed`, `stopped`) when it is resolved and no task is
 * pending or running — whoever ends the last task calls `finishIfDone`.
 */
export abstract class ReplicationExecutionRecords {
  /**
   * A `pending` execution; `NotFoundError` when the policy does not exist. `work`: an
   * event-triggered execution limited to one artifact (copy or delete).
   */
  abstract create(
    policyId: string,
    trigger: ReplicationTriggerType,
    requestedBy: string | null,
    work?: ReplicationEventWork,
  ): Promise<ReplicationExecutionRecord>;
  /**
   * A `pending` execution, unless one of the policy is pending or running (scheduled ticks do not
   * overlap). Atomic against concurrent creations for the same policy. `NotFoundError` as `create`.
   */
  abstract createUnlessActive(
    policyId: string,
    trigger: ReplicationTriggerType,
  ): Promise<ReplicationExecutionRecord | ActiveReplicationExecution>;
  abstract get(id: string): Promise<ReplicationExecutionRecord | undefined>;
  /** Newest first, optionally of one policy. */
  abstract list(
    query: Pick<PageQuery, 'page' | 'pageSize'> & { policyId?: string },
  ): Promise<Page<ReplicationExecutionRecord>>;
  /** `pending` → `running`; `undefined` when it was not pending (the caller has nothing to do). */
  abstract claim(id: string): Promise<ReplicationExecutionRecord | undefined>;
  /**
   * Inserts the tasks (one per artifact; a task already there is kept, so a resumed resolve
   * adds nothing twice) and marks the execution resolved. Returns the ids of its pending tasks.
   */
  abstract resolve(id: string, tasks: readonly NewReplicationTask[]): Promise<string[]>;
  /**
   * Gives free concurrency slots of the execution to its oldest waiting tasks and returns them,
   * to be enqueued (see `replication-task-slots.ts`). Called after `resolve` and after each task.
   */
  abstract dispatch(id: string): Promise<DispatchedTask[]>;
  /** Ends a pending or running execution as `failed` with `error`, stopping its open tasks. */
  abstract fail(id: string, error: string): Promise<boolean>;
  /** Ends a resolved execution when no task is open; returns its status then. */
  abstract finishIfDone(id: string): Promise<ReplicationExecutionStatus | undefined>;
  /** Asks to stop: pending tasks become `stopped`, the execution ends when the running ones do. */
  abstract requestStop(
    id: string,
  ): Promise<{ execution: ReplicationExecutionRecord; accepted: boolean } | undefined>;
  /**
   * `pending` → `running` for a dispatched task of a running, resolved execution not asked to
   * stop; a task whose execution was asked to stop becomes `stopped`. `undefined`: nothing to do
   * (a task without a slot waits for `dispatch`).
   */
  abstract claimTask(taskId: string): Promise<ReplicationTaskRecord | undefined>;
  /** Stamps a running task's heartbeat; `false` when it is no longer running. */
  abstract heartbeatTask(taskId: string): Promise<boolean>;
  /** Ends a running task; `false` when it was not running (reaped, or ended already). */
  abstract finishTask(taskId: string, result: ReplicationTaskResult): Promise<boolean>;
  /**
   * Running tasks and unresolved running executions whose heartbeat is older than
   * `staleSeconds` go back to `pending` (a task claimed `maxClaims` times already fails).
   */
  abstract reapStale(staleSeconds: number, maxClaims: number): Promise<ReapedReplication>;
  /**
   * Pending executions, and the dispatched tasks of running executions (free slots filled
   * first), for re-enqueueing.
   */
  abstract pendingWork(): Promise<ReapedReplication>;
  /** A page of the execution's tasks, in id order. */
  abstract tasks(
    id: string,
    query: Pick<PageQuery, 'page' | 'pageSize'>,
  ): Promise<Page<ReplicationTaskRecord>>;
}

export class TypeormReplicationExecutionRecords extends ReplicationExecutionRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(
    policyId: string,
    trigger: ReplicationTriggerType,
    requestedBy: string | null,
    work?: ReplicationEventWork,
  ): Promise<ReplicationExecutionRecord> {
    return (await this.get(await insertExecution(this.db, policyId, trigger, requestedBy, work)))!;
  }

  async createUnlessActive(
    policyId: string,
    trigger: ReplicationTriggerType,
  ): Promise<ReplicationExecutionRecord | ActiveReplicationExecution> {
    const outcome = await insertExecutionUnlessActive(this.db, policyId, trigger);
    return 'activeId' in outcome ? outcome : (await this.get(outcome.id))!;
  }

  async get(id: string): Promise<ReplicationExecutionRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    const rows: ExecutionRow[] = await this.db.query(
      `SELECT ${EXECUTION_COLUMNS} FROM replication_executions e ${COUNTS} WHERE e.id = $1`,
      [id],
    );
    return rows[0] && executionOf(rows[0]);
  }

  async list(
    query: Pick<PageQuery, 'page' | 'pageSize'> & { policyId?: string },
  ): Promise<Page<ReplicationExecutionRecord>> {
    if (query.policyId !== undefined && !isRecordId(query.policyId)) return { items: [], total: 0 };
    const { rows, total } = await fetchPage<ExecutionRow>(
      this.db,
      {
        select: EXECUTION_COLUMNS,
        from: `FROM replication_executions e ${COUNTS} WHERE ($1::bigint IS NULL OR e.policy_id = $1)`,
        order: 'e.id DESC',
        params: [query.policyId ?? null],
      },
      pageWindow(query),
    );
    return { items: rows.map(executionOf), total };
  }

  async claim(id: string): Promise<ReplicationExecutionRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    const rows: { id: string }[] = await this.db.query(
      `WITH claimed AS (
         UPDATE replication_executions SET status = 'running', attempts = attempts + 1, heartbeat_at = now(),
           started_at = coalesce(started_at, now())
         WHERE id = $1 AND status = 'pending' RETURNING id
       ) SELECT * FROM claimed`,
      [id],
    );
    return rows[0] && this.get(id);
  }

  async resolve(id: string, tasks: readonly NewReplicationTask[]): Promise<string[]> {
    if (!isRecordId(id)) return [];
    return this.db.transaction(async (manager) => {
      if (tasks.length > 0) {
        await manager.query(
          `INSERT INTO replication_tasks (execution_id, operation, source_repository, source_reference,
             destination_repository, destination_reference)
           SELECT $1, * FROM unnest($6::text[], $2::text[], $3::text[], $4::text[], $5::text[])
           ON CONFLICT (execution_id, source_repository, source_reference) DO NOTHING`,
          [
            id,
            tasks.map((t) => t.sourceRepository),
            tasks.map((t) => t.sourceReference),
            tasks.map((t) => t.destinationRepository),
            tasks.map((t) => t.destinationReference),
            tasks.map((t) => t.operation ?? 'copy'),
          ],
        );
      }
      await manager.query(
        `UPDATE replication_executions SET resolved = true, heartbeat_at = now() WHERE id = $1`,
        [id],
      );
      const rows: { id: string }[] = await manager.query(
        `SELECT id FROM replication_tasks WHERE execution_id = $1 AND status = 'pending' ORDER BY id`,
        [id],
      );
      return rows.map((row) => row.id);
    });
  }

  dispatch(id: string): Promise<DispatchedTask[]> {
    return dispatchTasks(this.db, id);
  }

  async fail(id: string, error: string): Promise<boolean> {
    if (!isRecordId(id)) return false;
    const rows: { id: string }[] = await this.db.query(
      `WITH ended AS (
         UPDATE replication_executions SET status = 'failed', error = $2, finished_at = now()
         WHERE id = $1 AND status IN ('pending', 'running') RETURNING id
       ), tasks AS (
         UPDATE replication_tasks SET status = 'stopped', finished_at = now()
         WHERE execution_id IN (SELECT id FROM ended) AND status = 'pending' RETURNING id
       ) SELECT id FROM ended`,
      [id, error.slice(0, 2000)],
    );
    return rows.length > 0;
  }

  async finishIfDone(id: string): Promise<ReplicationExecutionStatus | undefined> {
    if (!isRecordId(id)) return undefined;
    await this.db.query(
      `WITH counts AS (
         SELECT count(*) FILTER (WHERE status IN ('pending', 'running')) AS open,
                count(*) FILTER (WHERE status = 'failed') AS failed,
                count(*) FILTER (WHERE status = 'stopped') AS stopped
         FROM replication_tasks WHERE execution_id = $1
       ), ended AS (
         UPDATE replication_executions e SET finished_at = now(),
           status = CASE WHEN c.failed > 0 THEN 'failed'
                         WHEN e.stop_requested OR c.stopped > 0 THEN 'stopped' ELSE 'succeeded' END,
           error = CASE WHEN c.failed > 0 THEN c.failed || ' task(s) failed' ELSE e.error END
         FROM counts c
         WHERE e.id = $1 AND e.status = 'running' AND e.resolved AND c.open = 0 RETURNING e.id
       ) SELECT count(*)::int AS n FROM ended`,
      [id],
    );
    return (await this.get(id))?.status;
  }

  async requestStop(
    id: string,
  ): Promise<{ execution: ReplicationExecutionRecord; accepted: boolean } | undefined> {
    if (!isRecordId(id)) return undefined;
    const asked: { id: string }[] = await this.db.query(
      `WITH asked AS (
         UPDATE replication_executions SET stop_requested = true,
           status = CASE WHEN status = 'pending' THEN 'stopped' ELSE status END,
           finished_at = CASE WHEN status = 'pending' THEN now() ELSE finished_at END
         WHERE id = $1 AND status IN ('pending', 'running') RETURNING id
       ), tasks AS (
         UPDATE replication_tasks SET status = 'stopped', finished_at = now()
         WHERE execution_id IN (SELECT id FROM asked) AND status = 'pending' RETURNING id
       ) SELECT id FROM asked`,
      [id],
    );
    if (asked.length > 0) await this.finishIfDone(id);
    const execution = await this.get(id);
    return execution && { execution, accepted: asked.length > 0 };
  }

  async claimTask(taskId: string): Promise<ReplicationTaskRecord | undefined> {
    if (!isRecordId(taskId)) return undefined;
    const stopped: { execution_id: string }[] = await this.db.query(
      `WITH stopped AS (
         UPDATE replication_tasks t SET status = 'stopped', finished_at = now()
         FROM replication_executions e
         WHERE t.id = $1 AND t.status = 'pending' AND e.id = t.execution_id AND e.stop_requested
         RETURNING t.execution_id
       ) SELECT * FROM stopped`,
      [taskId],
    );
    if (stopped[0]) {
      await this.finishIfDone(stopped[0].execution_id);
      return undefined;
    }
    const rows: TaskRow[] = await this.db.query(
      `WITH claimed AS (
         UPDATE replication_tasks t SET status = 'running', attempts = t.attempts + 1, heartbeat_at = now(),
           started_at = coalesce(t.started_at, now())
         FROM replication_executions e
         WHERE t.id = $1 AND t.status = 'pending' AND t.dispatched AND e.id = t.execution_id
           AND e.status = 'running' AND NOT e.stop_requested
         RETURNING t.*
       ) SELECT ${TASK_COLUMNS} FROM claimed`,
      [taskId],
    );
    return rows[0] && taskOf(rows[0]);
  }

  async heartbeatTask(taskId: string): Promise<boolean> {
    if (!isRecordId(taskId)) return false;
    const rows: { id: string }[] = await this.db.query(
      `WITH beat AS (
         UPDATE replication_tasks SET heartbeat_at = now() WHERE id = $1 AND status = 'running' RETURNING id
       ) SELECT * FROM beat`,
      [taskId],
    );
    return rows.length > 0;
  }

  async finishTask(taskId: string, result: ReplicationTaskResult): Promise<boolean> {
    if (!isRecordId(taskId)) return false;
    const rows: { id: string }[] = await this.db.query(
      `WITH ended AS (
         UPDATE replication_tasks SET status = $2, digest = coalesce($3, digest), log = log || $4,
           error = $5, finished_at = now()
         WHERE id = $1 AND status = 'running' RETURNING id
       ) SELECT * FROM ended`,
      [
        taskId,
        result.status,
        result.digest ?? null,
        result.log.slice(0, 20_000),
        result.error?.slice(0, 2000) ?? null,
      ],
    );
    return rows.length > 0;
  }

  async reapStale(staleSeconds: number, maxClaims: number): Promise<ReapedReplication> {
    const failed: { execution_id: string }[] = await this.db.query(
      `WITH failed AS (
         UPDATE replication_tasks SET status = 'failed', finished_at = now(),
           error = 'the worker copying this artifact stopped responding ' || attempts || ' time(s)'
         WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1) AND attempts >= $2
         RETURNING execution_id
       ) SELECT DISTINCT execution_id FROM failed`,
      [staleSeconds, maxClaims],
    );
    for (const row of failed) await this.finishIfDone(row.execution_id);
    const tasks: { id: string; attempts: number }[] = await this.db.query(
      `WITH reaped AS (
         UPDATE replication_tasks SET status = 'pending', dispatched = false,
           log = log || 'worker lost; task re-queued
'
         WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1) RETURNING id, attempts
       ) SELECT * FROM reaped ORDER BY id`,
      [staleSeconds],
    );
    const executions: { id: string; attempts: number }[] = await this.db.query(
      `WITH reaped AS (
         UPDATE replication_executions SET status = 'pending'
         WHERE status = 'running' AND NOT resolved AND heartbeat_at < now() - make_interval(secs => $1)
         RETURNING id, attempts
       ) SELECT * FROM reaped ORDER BY id`,
      [staleSeconds],
    );
    return { executions, tasks };
  }

  async pendingWork(): Promise<ReapedReplication> {
    const executions: { id: string; attempts: number }[] = await this.db.query(
      `SELECT id, attempts FROM replication_executions WHERE status = 'pending' ORDER BY id`,
    );
    return { executions, tasks: await dispatchedWork(this.db) };
  }

  async tasks(id: string, query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<ReplicationTaskRecord>> {
    if (!isRecordId(id)) return { items: [], total: 0 };
    const { rows, total } = await fetchPage<TaskRow>(
      this.db,
      {
        select: TASK_COLUMNS,
        from: 'FROM replication_tasks WHERE execution_id = $1',
        order: 'id',
        params: [id],
      },
      pageWindow(query),
    );
    return { items: rows.map(taskOf), total };
  }
}
