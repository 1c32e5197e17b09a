import type { DataSource } from 'typeorm';

/** Pulls of one manifest since the last flush. */
export interface ManifestPulls {
  repository: string;
  digest: string;
  count: number;
  /** The latest of those pulls. */
  lastPulledAt: Date;
}

/** Pulls of one repository since the last flush. */
export interface RepositoryPulls {
  repository: string;
  count: number;
}

/** What a flush could not apply now and should try again (rows another transaction held). */
export interface PullsDeferred {
  manifests: ManifestPulls[];
  repositories: RepositoryPulls[];
}

/**
 * Port: pull counters (`manifests.pull_count`, `last_pulled_at`, `repositories.pull_count`).
 * Called with pulls aggregated in memory, never on a pull's own path.
 */
export abstract class PullRecords {
  /**
   * Adds the counts. Rows another transaction holds locked (a push, a delete, garbage
   * collection) are skipped rather than waited for, so a flush never blocks or deadlocks a
   * writer: they come back as deferred. Pulls of manifests or repositories deleted since are
   * dropped.
   */
  abstract add(
    manifests: readonly ManifestPulls[],
    repositories: readonly RepositoryPulls[],
  ): Promise<PullsDeferred>;
}

export class TypeormPullRecords extends PullRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async add(
    manifests: readonly ManifestPulls[],
    repositories: readonly RepositoryPulls[],
  ): Promise<PullsDeferred> {
    const deferred: PullsDeferred = { manifests: [], repositories: [] };
    if (manifests.length > 0) deferred.manifests = await this.addManifests(manifests);
    if (repositories.length > 0) deferred.repositories = await this.addRepositories(repositories);
    return deferred;
  }

  private async addManifests(pulls: readonly ManifestPulls[]): Promise<ManifestPulls[]> {
    const input = JSON.stringify(
      pulls.map((p) => ({
        repository: p.repository,
        digest: p.digest,
        n: p.count,
        at: p.lastPulledAt.toISOString(),
      })),
    );
    // One statement, its own transaction: rows locked in id order, locked ones skipped.
    const applied: { repository: string; digest: string }[] = await this.db.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(repository text, digest text, n bigint, at timestamptz)),
       target AS (
         SELECT m.id, i.repository, i.digest, i.n, i.at FROM input i
         JOIN repositories r ON r.name = i.repository
         JOIN manifests m ON m.repository_id = r.id AND m.digest = i.digest
         ORDER BY m.id FOR NO KEY UPDATE OF m SKIP LOCKED),
       updated AS (
         UPDATE manifests m SET pull_count = m.pull_count + t.n, last_pulled_at = GREATEST(m.last_pulled_at, t.at)
         FROM target t WHERE m.id = t.id RETURNING t.repository, t.digest)
       SELECT repository, digest FROM updated`,
      [input],
    );
    const done = new Set(applied.map((row) => `${row.repository}@${row.digest}`));
    const left = pulls.filter((p) => !done.has(`${p.repository}@${p.digest}`));
    if (left.length === 0) return [];
    const existing: { repository: string; digest: string }[] = await this.db.query(
      `SELECT r.name AS repository, m.digest FROM jsonb_to_recordset($1::jsonb) AS i(repository text, digest text)
       JOIN repositories r ON r.name = i.repository JOIN manifests m ON m.repository_id = r.id AND m.digest = i.digest`,
      [JSON.stringify(left.map((p) => ({ repository: p.repository, digest: p.digest })))],
    );
    const alive = new Set(existing.map((row) => `${row.repository}@${row.digest}`));
    return left.filter((p) => alive.has(`${p.repository}@${p.digest}`));
  }

  private async addRepositories(pulls: readonly RepositoryPulls[]): Promise<RepositoryPulls[]> {
    const applied: { repository: string }[] = await this.db.query(
      `WITH input AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS i(repository, n)),
       target AS (
         SELECT r.id, i.repository, i.n FROM input i JOIN repositories r ON r.name = i.repository
         ORDER BY r.id FOR NO KEY UPDATE OF r SKIP LOCKED),
       updated AS (
         UPDATE repositories r SET pull_count = r.pull_count + t.n FROM target t WHERE r.id = t.id
         RETURNING t.repository)
       SELECT repository FROM updated`,
      [pulls.map((p) => p.repository), pulls.map((p) => p.count)],
    );
    const done = new Set(applied.map((row) => row.repository));
    const left = pulls.filter((p) => !done.has(p.repository));
    if (left.length === 0) return [];
    const existing: { name: string }[] = await this.db.query(
      `SELECT name FROM repositories WHERE name = ANY($1)`,
      [left.map((p) => p.repository)],
    );
    const alive = new Set(existing.map((row) => row.name));
    return left.filter((p) => alive.has(p.repository));
  }
}
