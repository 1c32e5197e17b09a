import type { DataSource } from '@berth/db';

/**
 * Removes the repository rows of a project (`<project>/…`) on a forced project delete; manifests,
 * tags, blob links and upload sessions go with them by cascade. Blob bytes stay for GC.
 *
 * Lives here until packages/db grows `RepositoryRecords.deleteByProject`; it is the admin API's
 * only SQL, kept to one statement.
 */
export class ProjectRepositories {
  constructor(private readonly db: DataSource) {}

  async deleteAll(project: string): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      `WITH changed AS (DELETE FROM repositories WHERE starts_with(name, $1 || '/') RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [project],
    );
    return rows[0]?.n ?? 0;
  }
}
