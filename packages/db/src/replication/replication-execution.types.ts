import type { ReplicationTriggerType } from './replication-policy-records.js';

export type ReplicationExecutionStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped';
export type ReplicationTaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'stopped';

/** Task counts: what the API reports; `inProgress` is pending plus running. */
export interface ReplicationTaskCounts {
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  stopped: number;
  inProgress: number;
}

export interface ReplicationExecutionRecord extends ReplicationTaskCounts {
  id: string;
  policyId: string;
  status: ReplicationExecutionStatus;
  trigger: ReplicationTriggerType;
  requestedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  stopRequested: boolean;
  error: string | null;
}

export interface ReplicationTaskRecord {
  id: string;
  executionId: string;
  status: ReplicationTaskStatus;
  sourceRepository: string;
  sourceReference: string;
  destinationRepository: string;
  destinationReference: string;
  digest: string | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  log: string;
  error: string | null;
}

export interface NewReplicationTask {
  sourceRepository: string;
  sourceReference: string;
  destinationRepository: string;
  destinationReference: string;
}

export interface ReplicationTaskResult {
  status: 'succeeded' | 'failed' | 'skipped' | 'stopped';
  digest?: string | null;
  log: string;
  error?: string | null;
}

/** Ids with their claim counts (for job ids). */
export interface ReapedReplication {
  executions: { id: string; attempts: number }[];
  tasks: { id: string; attempts: number }[];
}
