import type { DataSource } from 'typeorm';

/** Port: repositories by name. */
export abstract class RepositoryRecords {
  /** The repository's id, creating the repository when it does not exist yet. */
  abstract ensure(name: string): Promise<string>;
  /** The repository's id, or `undefined`. */
  abstract findId(name: string): Promise<string | undefined>;
  /**
   * Deletes every repository of a project (`<project>/…`) with its manifests, tags, blob links
   * and upload sessions (by cascade); blob bytes stay for garbage collection. Returns the count.
   */
  abstract deleteByProject(project: string): Promise<number>;
  /**
   * Names of repositories holding at least one manifest, in lexical order, after `last`.
   * Returns up to `limit` names.
   */
  abstract catalog(limit: number, last?: string): Promise<string[]>;
  /** Every tagged repository with its tag names, both in lexical order (for replication). */
  abstract tagged(): Promise<{ repository: string; tags: string[] }[]>;
}

export class TypeormRepositoryRecords extends RepositoryRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async ensure(name: string): Promise<string> {
    const existing = await this.findId(name);
    if (existing !== undefined) return existing;
    // The no-op update makes RETURNING yield the id on a concurrent insert too.
    const rows: { id: string }[] = await this.db.query(
      `INSERT INTO repositories (name) VALUES ($1)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [name],
    );
    return rows[0]!.id;
  }

  async findId(name: string): Promise<string | undefined> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM repositories WHERE name = $1`, [name]);
    return rows[0]?.id;
  }

  async deleteByProject(project: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      // A push share-locks its blob links and child manifests, then key-shares the repository
      // row, then takes the project's usage row (docs/quotas.md). Lock in that order too: links,
      // manifests, repository rows; the deletion's triggers then take the usage row.
      const inProject = `(r.name = $1 OR starts_with(r.name, $1 || '/'))`;
      await tx.query(
        `SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
         WHERE ${inProject} ORDER BY rb.repository_id, rb.digest FOR UPDATE OF rb`,
        [project],
      );
      await tx.query(
        `SELECT 1 FROM manifests m JOIN repositories r ON r.id = m.repository_id
         WHERE ${inProject} ORDER BY m.id FOR UPDATE OF m`,
        [project],
      );
      await tx.query(`SELECT 1 FROM repositories r WHERE ${inProject} ORDER BY r.id FOR UPDATE`, [project]);
      const rows: { n: number }[] = await tx.query(
        `WITH changed AS (DELETE FROM repositories WHERE name = $1 OR starts_with(name, $1 || '/') RETURNING 1)
         SELECT count(*)::int AS n FROM changed`,
        [project],
      );
      return rows[0]?.n ?? 0;
    });
  }

  async catalog(limit: number, last?: string): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(
      `SELECT r.name FROM repositories r
       WHERE ($1::text IS NULL OR r.name COLLATE "C" > $1)
         AND EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = r.id)
       ORDER BY r.name COLLATE "C" LIMIT $2`,
      [last ?? null, limit],
    );
    return rows.map((row) => row.name);
  }

  async tagged(): Promise<{ repository: string; tags: string[] }[]> {
    const rows: { repository: string; tags: string[] }[] = await this.db.query(
      `SELECT r.name AS repository, array_agg(t.name ORDER BY t.name COLLATE "C") AS tags
       FROM repositories r JOIN tags t ON t.repository_id = r.id
       GROUP BY r.name ORDER BY r.name COLLATE "C"`,
    );
    return rows;
  }
}
