/**
 * The queue contract, shared by the producer (the api) and the consumer (the worker): queue
 * names, job names, each job's payload type and queue, and the job-id policy that makes a double
 * enqueue one job. A job name or payload changes here, and both sides follow at compile time.
 */

/** BullMQ queue names. */
export const QUEUES = {
  /** Storage maintenance: garbage collection and upload purging, one job at a time per worker. */
  maintenance: 'berth-maintenance',
  /** Replication: resolving executions and copying artifacts, several at a time. */
  replication: 'berth-replication',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Job names. Every one has exactly one handler in the worker (checked at boot). */
export const JOBS = {
  /** Run the garbage collection `runId` (a `gc_runs` row; PostgreSQL holds its options and state). */
  gcRun: 'gc.run',
  /** Fired by the GC schedule: create a `gc_runs` row from the stored schedule and run it. */
  gcScheduled: 'gc.scheduled',
  /** Remove upload sessions abandoned for longer than the configured age, with their bytes. */
  uploadsPurge: 'uploads.purge',
  /** Delete audit events past the retention, expired refresh tokens and old login failures. */
  auditPurge: 'audit.purge',
  /** Resolve the artifacts of replication execution `executionId` and fan out one task each. */
  replicationExecute: 'replication.execute',
  /** Copy the artifact of replication task `taskId`. */
  replicationTask: 'replication.task',
  /** Fired by a policy's schedule: start an execution of `policyId` unless one is still active. */
  replicationScheduled: 'replication.scheduled',
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** The payload of each job. Ids are strings (PostgreSQL bigints). */
export interface JobPayloads {
  'gc.run': { runId: string };
  'gc.scheduled': Record<string, never>;
  'uploads.purge': Record<string, never>;
  'audit.purge': Record<string, never>;
  'replication.execute': { executionId: string };
  'replication.task': { taskId: string };
  'replication.scheduled': { policyId: string };
}

/** The queue each job travels on. */
export const JOB_QUEUES: { readonly [N in JobName]: QueueName } = {
  'gc.run': QUEUES.maintenance,
  'gc.scheduled': QUEUES.maintenance,
  'uploads.purge': QUEUES.maintenance,
  'audit.purge': QUEUES.maintenance,
  'replication.execute': QUEUES.replication,
  'replication.task': QUEUES.replication,
  'replication.scheduled': QUEUES.replication,
};

/** Ids of the BullMQ job schedulers (repeatable jobs) the worker keeps in step with the settings. */
export const SCHEDULES = {
  gc: 'gc-schedule',
  uploadsPurge: 'uploads-purge-schedule',
  auditPurge: 'audit-purge-schedule',
} as const;

/** Prefix of the job scheduler ids of scheduled replication policies. */
export const REPLICATION_SCHEDULE_PREFIX = 'replication-policy-';

/** The job scheduler id of replication policy `policyId`'s schedule. */
export function replicationScheduleId(policyId: string): string {
  return `${REPLICATION_SCHEDULE_PREFIX}${policyId}`;
}

/** The job names that travel on `queue`. */
export function jobsOf(queue: QueueName): JobName[] {
  return (Object.keys(JOB_QUEUES) as JobName[]).filter((name) => JOB_QUEUES[name] === queue);
}

/**
 * The BullMQ job id, so that enqueueing the same work twice gives one job. `gc.run`:
 * `gc-run-<runId>` for the first attempt, `gc-run-<runId>-<attempts>` once a worker has claimed
 * the run before (a dead worker's job may still sit in Redis under the earlier id, and a resume
 * must not wait for BullMQ to notice it stalled). `undefined`: BullMQ picks one.
 */
export function jobIdFor<N extends JobName>(
  name: N,
  payload: JobPayloads[N],
  attempts = 0,
): string | undefined {
  switch (name) {
    case 'gc.run': {
      const { runId } = payload as JobPayloads['gc.run'];
      return attempts > 0 ? `gc-run-${runId}-${attempts}` : `gc-run-${runId}`;
    }
    case 'uploads.purge':
      return 'uploads-purge';
    case 'audit.purge':
      return 'audit-purge';
    case 'replication.execute': {
      const { executionId } = payload as JobPayloads['replication.execute'];
      return attempts > 0
        ? `replication-execute-${executionId}-${attempts}`
        : `replication-execute-${executionId}`;
    }
    case 'replication.task': {
      const { taskId } = payload as JobPayloads['replication.task'];
      return attempts > 0 ? `replication-task-${taskId}-${attempts}` : `replication-task-${taskId}`;
    }
    case 'gc.scheduled':
    case 'replication.scheduled':
      return undefined;
  }
  return undefined;
}

export class JobPayloadError extends Error {
  override readonly name = 'JobPayloadError';
}

const RECORD_ID = /^[1-9][0-9]{0,18}$/;

/**
 * Checks data read from Redis against the payload type of `name` (a job may come from an older
 * or newer producer). Throws `JobPayloadError`.
 */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayloads[N] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new JobPayloadError(`${name}: payload must be an object`);
  }
  switch (name) {
    case 'gc.run': {
      const runId = (data as { runId?: unknown }).runId;
      if (typeof runId !== 'string' || !RECORD_ID.test(runId)) {
        throw new JobPayloadError(`${name}: runId must be a run id`);
      }
      return { runId } as JobPayloads[N];
    }
    case 'gc.scheduled':
    case 'uploads.purge':
    case 'audit.purge':
      return {} as JobPayloads[N];
    case 'replication.execute':
      return { executionId: recordId(name, data, 'executionId') } as JobPayloads[N];
    case 'replication.task':
      return { taskId: recordId(name, data, 'taskId') } as JobPayloads[N];
    case 'replication.scheduled':
      return { policyId: recordId(name, data, 'policyId') } as JobPayloads[N];
  }
  throw new JobPayloadError(`unknown job ${String(name)}`);
}

function recordId(name: string, data: object, field: string): string {
  const value = (data as Record<string, unknown>)[field];
  if (typeof value !== 'string' || !RECORD_ID.test(value)) {
    throw new JobPayloadError(`${name}: ${field} must be a record id`);
  }
  return value;
}
