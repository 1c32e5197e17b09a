import type { DataSource } from 'typeorm';

/** Port: how much storage projects use. Limits live on the project (`ProjectRecords`). */
export abstract class QuotaRecords {
  /**
   * Bytes the project's manifests hold: each digest once per project, the manifests' own bytes
   * included. Kept in the transactions that add or delete manifests, so it is current the
   * moment a push or a deletion commits. 0 for a project without content.
   */
  abstract usedBytes(project: string): Promise<number>;
  /** `usedBytes` of several projects in one query; every name asked for is in the map. */
  abstract usedBytesOf(projects: readonly string[]): Promise<Map<string, number>>;
  /**
   * The usage computed from scratch from the manifests, ignoring the kept counters: what
   * `usedBytes` must equal. For verification; it reads every manifest of the project.
   */
  abstract recount(project: string): Promise<number>;
}

export class TypeormQuotaRecords extends QuotaRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async usedBytes(project: string): Promise<number> {
    return (await this.usedBytesOf([project])).get(project) ?? 0;
  }

  async usedBytesOf(projects: readonly string[]): Promise<Map<string, number>> {
    const usage = new Map(projects.map((project) => [project, 0]));
    if (projects.length === 0) return usage;
    const rows: { project: string; used_bytes: string }[] = await this.db.query(
      `SELECT project, used_bytes FROM project_storage_usage WHERE project = ANY($1)`,
      [projects],
    );
    for (const row of rows) usage.set(row.project, Number(row.used_bytes));
    return usage;
  }

  async recount(project: string): Promise<number> {
    const rows: { n: string }[] = await this.db.query(
      `WITH content AS (
         SELECT m.id, m.digest, m.size::bigint AS size FROM manifests m
         JOIN repositories r ON r.id = m.repository_id WHERE split_part(r.name, '/', 1) = $1
       )
       SELECT coalesce(sum(size), 0) AS n FROM (
         SELECT digest, max(size) AS size FROM (
           SELECT digest, size FROM content
           UNION ALL
           SELECT ref.digest, coalesce(b.size, 0) FROM content c
           JOIN manifest_references ref ON ref.manifest_id = c.id AND ref.kind IN ('config', 'layer')
           LEFT JOIN blobs b ON b.digest = ref.digest
         ) every_reference GROUP BY digest
       ) distinct_digests`,
      [project],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
