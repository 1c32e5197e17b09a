import type { EntityManager } from 'typeorm';
import { QuotaExceededError } from './quota-exceeded.error.js';

interface UsageRow {
  project: string;
  used_bytes: string;
  storage_limit_bytes: string | null;
  added_bytes: string;
}

/**
 * Refuses a newly inserted manifest that takes its project past its limit. Call it in the push's
 * transaction after the manifest and its references are inserted: the triggers have charged it
 * and hold the project's usage row lock until commit, so concurrent pushes into the project are
 * checked one after the other and can never overshoot together. A push that adds no new bytes
 * (everything already in the project) passes even above the limit, e.g. after it was lowered.
 */
export async function assertWithinQuota(tx: EntityManager, manifestId: string): Promise<void> {
  // The digests this push brought into the project are exactly this manifest's digests whose
  // reference count is 1: only this manifest holds them.
  const rows: UsageRow[] = await tx.query(
    `SELECT u.project, u.used_bytes, p.storage_limit_bytes,
       (SELECT coalesce(sum(c.size), 0) FROM project_content_refs c
        WHERE c.project = u.project AND c.refs = 1 AND c.digest IN (
          SELECT m.digest UNION
          SELECT ref.digest FROM manifest_references ref
          WHERE ref.manifest_id = m.id AND ref.kind IN ('config', 'layer'))) AS added_bytes
     FROM manifests m
     JOIN repositories r ON r.id = m.repository_id
     JOIN project_storage_usage u ON u.project = split_part(r.name, '/', 1)
     LEFT JOIN projects p ON p.name = u.project
     WHERE m.id = $1`,
    [manifestId],
  );
  const row = rows[0];
  if (row === undefined || row.storage_limit_bytes === null) return;
  const used = Number(row.used_bytes);
  const limit = Number(row.storage_limit_bytes);
  const added = Number(row.added_bytes);
  if (added > 0 && used > limit) {
    throw new QuotaExceededError(row.project, limit, used - added, added);
  }
}
