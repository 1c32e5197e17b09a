import type { DataSource } from 'typeorm';
import { ConflictError, NotFoundError } from '../access/errors.js';
import { fetchPage, pageWindow, type Page, type PageQuery } from '../access/listing.js';
import { FOREIGN_KEY_VIOLATION, pgErrorCode, UNIQUE_VIOLATION } from '../access/pg-errors.js';
import { isRecordId } from '../access/statements.js';

export type ReplicationMode = 'push' | 'pull';
export type ReplicationTriggerType = 'manual' | 'scheduled' | 'event';

export interface ReplicationPolicyFields {
  name: string;
  mode: ReplicationMode;
  registryId: string;
  sourceNamespace: string | null;
  destinationNamespace: string | null;
  /** Globs (`*`, `**`, `?`, `{a,b}`); `null` matches everything. */
  filters: { repository: string | null; tag: string | null };
  trigger: { type: ReplicationTriggerType; cron: string | null };
  /** Overwrite a destination tag that exists; `false` skips such artifacts. */
  override: boolean;
  enabled: boolean;
  /** Tries per task before it fails (1–10). */
  maxAttempts: number;
}

export interface ReplicationPolicyRecord extends ReplicationPolicyFields {
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
}

interface PolicyRow {
  id: string;
  name: string;
  mode: ReplicationMode;
  registry_id: string;
  source_namespace: string | null;
  destination_namespace: string | null;
  repository_filter: string | null;
  tag_filter: string | null;
  trigger_type: ReplicationTriggerType;
  trigger_cron: string | null;
  override: boolean;
  enabled: boolean;
  max_attempts: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, name, mode, registry_id, source_namespace, destination_namespace, repository_filter,
  tag_filter, trigger_type, trigger_cron, override, enabled, max_attempts, created_at, updated_at`;

function policyOf(row: PolicyRow): ReplicationPolicyRecord {
  return {
    id: row.id,
    name: row.name,
    mode: row.mode,
    registryId: row.registry_id,
    sourceNamespace: row.source_namespace,
    destinationNamespace: row.destination_namespace,
    filters: { repository: row.repository_filter, tag: row.tag_filter },
    trigger: { type: row.trigger_type, cron: row.trigger_cron },
    override: row.override,
    enabled: row.enabled,
    maxAttempts: row.max_attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
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
    policy.override,
    policy.enabled,
    policy.maxAttempts,
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
           repository_filter, tag_filter, trigger_type, trigger_cron, override, enabled, max_attempts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
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
             trigger_cron = $10, override = $11, enabled = $12, max_attempts = $13, updated_at = now()
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
