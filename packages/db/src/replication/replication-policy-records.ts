import type { DataSource } from 'typeorm';
import { ConflictError, NotFoundError } from '../access/errors.js';
import { fetchPage, pageWindow, type Page, type PageQuery } from '../access/listing.js';
import { FOREIGN_KEY_VIOLATION, pgErrorCode, UNIQUE_VIOLATION } from '../access/pg-errors.js';
import { isRecordId } from '../access/statements.js';

export type ReplicationMode = 'push' | 'pull';
export type ReplicationTriggerType = 'manual' | 'scheduled' | 'event';
/**
 * How many leading path segments of a source name `destinationNamespace` replaces: none, 1, 2,
 * or all but the last. The last segment always stays.
 */
export type ReplicationFlattening = 'none' | 1 | 2 | 'all';
export const REPLICATION_FLATTENINGS: readonly ReplicationFlattening[] = ['none', 1, 2, 'all'];

export interface ReplicationPolicyFields {
  name: string;
  mode: ReplicationMode;
  registryId: string;
  sourceNamespace: string | null;
  destinationNamespace: string | null;
  /** Leading segments `destinationNamespace` replaces; absent: `1` (the behaviour before it existed). */
  flattening?: ReplicationFlattening;
  /** Globs (`*`, `**`, `?`, `{a,b}`); `null` matches everything. */
  filters: { repository: string | null; tag: string | null };
  trigger: ReplicationTrigger;
  /** Overwrite a destination tag that exists; `false` skips such artifacts. */
  override: boolean;
  enabled: boolean;
  /** KiB per second each task may stream (1–10485760); `null`: unlimited. */
  bandwidthLimitKbps: number | null;
  /** Tasks of one execution running at once, across all workers (1–64). */
  concurrency: number;
  retry: ReplicationRetry;
}

export interface ReplicationTrigger {
  type: ReplicationTriggerType;
  /** `scheduled`: a 5-field cron pattern, or 6 fields with seconds first; otherwise `null`. */
  cron: string | null;
  /** `event`: a local delete of a matching tag or manifest deletes it at the destination. */
  replicateDeletion: boolean;
}

export interface ReplicationRetry {
  /** Tries per task before it fails (1–10). */
  attempts: number;
  /** Wait before the second try, doubling for each further one (0–3600). */
  backoffSeconds: number;
}

export interface ReplicationPolicyRecord extends ReplicationPolicyFields {
  flattening: ReplicationFlattening;
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Port: replication policies. */
export abstract class ReplicationPolicyRecords {
  /** `ConflictError` for a name in use; `NotFoundError` when the registry does not exist. */
  abstract create(policy: ReplicationPolicyFields): Promise<ReplicationPolicyRecord>;
  abstract get(id: string): Promise<ReplicationPolicyRecord | undefined>;
  abstract list(query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<ReplicationPolicyRecord>>;
  /** Replaces every field; `undefined` when there is no such policy. Errors as `create`. */
  abstract replace(id: string, policy: ReplicationPolicyFields): Promise<ReplicationPolicyRecord | undefined>;
  /** Deletes the policy with its executions; `false` when there was none. */
  abstract delete(id: string): Promise<boolean>;
  /** The enabled policies with a trigger of `type`, in id order (event matching, schedules). */
  abstract enabledWithTrigger(type: ReplicationTriggerType): Promise<ReplicationPolicyRecord[]>;
}

interface PolicyRow {
  id: string;
  name: string;
  mode: ReplicationMode;
  registry_id: string;
  source_namespace: string | null;
  destination_namespace: string | null;
  flattening: string;
  repository_filter: string | null;
  tag_filter: string | null;
  trigger_type: ReplicationTriggerType;
  trigger_cron: string | null;
  replicate_deletion: boolean;
  override: boolean;
  enabled: boolean;
  bandwidth_limit_kbps: number | null;
  concurrency: number;
  max_attempts: number;
  retry_backoff_seconds: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, name, mode, registry_id, source_namespace, destination_namespace, flattening, repository_filter,
  tag_filter, trigger_type, trigger_cron, replicate_deletion, override, enabled, bandwidth_limit_kbps, concurrency,
  max_attempts, retry_backoff_seconds, created_at, updated_at`;

function policyOf(row: PolicyRow): ReplicationPolicyRecord {
  return {
    id: row.id,
    name: row.name,
    mode: row.mode,
    registryId: row.registry_id,
    sourceNamespace: row.source_namespace,
    destinationNamespace: row.destination_namespace,
    flattening: flatteningOf(row.flattening),
    filters: { repository: row.repository_filter, tag: row.tag_filter },
    trigger: { type: row.trigger_type, cron: row.trigger_cron, replicateDeletion: row.replicate_deletion },
    override: row.override,
    enabled: row.enabled,
    bandwidthLimitKbps: row.bandwidth_limit_kbps,
    concurrency: row.concurrency,
    retry: { attempts: row.max_attempts, backoffSeconds: row.retry_backoff_seconds },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Stored as text (`none`, `1`, `2`, `all`): the levels come back as numbers. */
function flatteningOf(stored: string): ReplicationFlattening {
  return stored === 'none' || stored === 'all' ? stored : stored === '2' ? 2 : 1;
}

function paramsOf(policy: ReplicationPolicyFields): unknown[] {
  return [
    policy.name,
    policy.mode,
    policy.registryId,
    policy.sourceNamespace,
    policy.destinationNamespace,
    policy.filters.repository,
    policy.filters.tag,
    policy.trigger.type,
    policy.trigger.cron,
    policy.trigger.replicateDeletion,
    policy.override,
    policy.enabled,
    policy.bandwidthLimitKbps,
    policy.concurrency,
    policy.retry.attempts,
    policy.retry.backoffSeconds,
    String(policy.flattening ?? 1),
  ];
}

export class TypeormReplicationPolicyRecords extends ReplicationPolicyRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(policy: ReplicationPolicyFields): Promise<ReplicationPolicyRecord> {
    if (!isRecordId(policy.registryId)) throw new NotFoundError(`registry ${policy.registryId} not found`);
    const rows = await this.checked(policy, () =>
      this.db.query(
        `INSERT INTO replication_policies (name, mode, registry_id, source_namespace, destination_namespace,
           repository_filter, tag_filter, trigger_type, trigger_cron, replicate_deletion, override, enabled,
           bandwidth_limit_kbps, concurrency, max_attempts, retry_backoff_seconds, flattening)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING ${COLUMNS}`,
        paramsOf(policy),
      ),
    );
    return policyOf(rows[0]!);
  }

  async get(id: string): Promise<ReplicationPolicyRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    const rows: PolicyRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM replication_policies WHERE id = $1`,
      [id],
    );
    return rows[0] && policyOf(rows[0]);
  }

  async list(query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<ReplicationPolicyRecord>> {
    const { rows, total } = await fetchPage<PolicyRow>(
      this.db,
      { select: COLUMNS, from: 'FROM replication_policies', order: 'id', params: [] },
      pageWindow(query),
    );
    return { items: rows.map(policyOf), total };
  }

  async replace(id: string, policy: ReplicationPolicyFields): Promise<ReplicationPolicyRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    if (!isRecordId(policy.registryId)) throw new NotFoundError(`registry ${policy.registryId} not found`);
    const rows = await this.checked(policy, () =>
      this.db.query(
        `WITH changed AS (
           UPDATE replication_policies SET name = $2, mode = $3, registry_id = $4, source_namespace = $5,
             destination_namespace = $6, repository_filter = $7, tag_filter = $8, trigger_type = $9,
             trigger_cron = $10, replicate_deletion = $11, override = $12, enabled = $13,
             bandwidth_limit_kbps = $14, concurrency = $15, max_attempts = $16, retry_backoff_seconds = $17,
             flattening = $18, updated_at = now()
           WHERE id = $1 RETURNING ${COLUMNS}
         ) SELECT * FROM changed`,
        [id, ...paramsOf(policy)],
      ),
    );
    return rows[0] && policyOf(rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    if (!isRecordId(id)) return false;
    const rows: { id: string }[] = await this.db.query(
      `WITH gone AS (DELETE FROM replication_policies WHERE id = $1 RETURNING id) SELECT * FROM gone`,
      [id],
    );
    return rows.length > 0;
  }

  async enabledWithTrigger(type: ReplicationTriggerType): Promise<ReplicationPolicyRecord[]> {
    const rows: PolicyRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM replication_policies WHERE enabled AND trigger_type = $1 ORDER BY id`,
      [type],
    );
    return rows.map(policyOf);
  }

  private async checked(
    policy: ReplicationPolicyFields,
    statement: () => Promise<PolicyRow[]>,
  ): Promise<PolicyRow[]> {
    try {
      return await statement();
    } catch (error) {
      const code = pgErrorCode(error);
      if (code === UNIQUE_VIOLATION) throw new ConflictError(`policy ${policy.name} already exists`);
      if (code === FOREIGN_KEY_VIOLATION) throw new NotFoundError(`registry ${policy.registryId} not found`);
      throw error;
    }
  }
}
