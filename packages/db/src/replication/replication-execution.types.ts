import type { ReplicationTriggerType } from './replication-policy-records.js';

export type ReplicationExecutionStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped';
export type ReplicationTaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'stopped';
/** What a task does at the destination: copy the artifact there, or delete it there. */
export type ReplicationOperation = 'copy' | 'delete';

/** The one artifact an event-triggered execution replicates. */
export interface ReplicationArtifact {
  repository: string;
  /** The manifest pushed or deleted; `null` for a deleted tag. */
  digest: string | null;
  /** The tags the push set, or the tag deleted; empty for a manifest deleted by digest. */
  tags: string[];
}

/** What an event asks of a new execution: copy or delete its one artifact. */
export interface ReplicationEventWork {
  operation: ReplicationOperation;
  artifact: ReplicationArtifact;
}

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
  /** `delete` only for an event-triggered deletion. */
  operation: ReplicationOperation;
  /** Event-triggered executions: the artifact; `null` for manual and scheduled ones. */
  artifact: ReplicationArtifact | null;
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
  operation: ReplicationOperation;
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
  /** Default `copy`. */
  operation?: ReplicationOperation;
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
