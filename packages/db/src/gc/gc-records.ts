import type { DataSource } from 'typeorm';

/**
 * Port: the database side of garbage collection. Safety under concurrent pushes comes from row
 * locks, not from the grace window (which may be 0):
 *
 * - A manifest push share-locks every blob and child manifest it references before inserting
 *   its references (ManifestRecords.save); an upload publishes a blob under the blob's row lock
 *   (BlobRecords.publish); a mount refreshes the blob under its row lock (linkExisting).
 * - Collection takes exclusive row locks with SKIP LOCKED (whatever a push holds is skipped
 *   until a later batch or run), then re-checks garbage-ness in a NEW statement, whose snapshot
 *   sees every push that held the lock before. A push that comes after waits for the lock and
 *   then finds the row gone: MANIFEST_BLOB_UNKNOWN, and the client uploads again.
 * - Blob bytes are deleted while the lock is held, before commit, so a re-upload of the same
 *   digest waits and then puts its bytes back.
 */
export abstract class GcRecords {
  /**
   * Ids of manifests no tag reaches, after `afterId`, at most `limit`: not tagged, not created
   * since `cutoff`, not the child of a reachable index, and not a referrer whose subject is
   * reachable, in the same repository. Reachability is transitive.
   */
  abstract unreachableManifests(
    cutoff: Date,
    afterId: string | null,
    limit: number,
  ): Promise<UnreachableManifest[]>;

  /**
   * Deletes those of `ids` that are still collectable, under their row locks. A manifest still
   * referenced by an existing index or subject of an existing referrer in its repository is
   * kept (conservatively: the index may be collected first, and its children in a later pass).
   * Returns the deleted manifests.
   */
  abstract deleteManifests(ids: readonly string[], cutoff: Date): Promise<UnreachableManifest[]>;

  /**
   * Blobs no manifest references and not touched since `cutoff`, after `afterDigest` in digest
   * order, at most `limit`. With `assumeDeleted`, references from those manifest ids are
   * ignored (a dry run's view of a run that deletes untagged manifests).
   */
  abstract unreferencedBlobs(
    cutoff: Date,
    afterDigest: string | null,
    limit: number,
    assumeDeleted?: readonly string[],
  ): Promise<CollectableBlob[]>;

  /**
   * Collects those of `digests` that are still garbage: locks them (skipping locked ones),
   * re-checks, calls `deleteBytes` for each while the locks are held, deletes their rows and
   * repository links, and commits. Returns the blobs collected.
   *
   * If `deleteBytes` throws, the blobs already handled and the failing one still lose their rows
   * (committed), the rest of the batch is kept, and then the error propagates: a row must never
   * outlive its bytes (a push could reference it, and its pulls would fail), while bytes without
   * a row are only a leak.
   */
  abstract collectBlobs(
    digests: readonly string[],
    cutoff: Date,
    deleteBytes: (digest: string) => Promise<void>,
  ): Promise<CollectableBlob[]>;
}

export interface UnreachableManifest {
  id: string;
  repository: string;
  digest: string;
}

export interface CollectableBlob {
  digest: string;
  size: number;
}

// One recursive term (PostgreSQL allows the recursive reference only once, outside subqueries):
// from each live manifest to its children (index entries) and to its referrers, in its repository.
const REACHABLE = `
  WITH RECURSIVE live(id, repository_id, digest) AS (
    SELECT m.id, m.repository_id, m.digest FROM manifests m
    WHERE m.created_at >= $1 OR EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id)
    UNION
    SELECT edge.id, edge.repository_id, edge.digest FROM live l
    CROSS JOIN LATERAL (
      SELECT c.id, c.repository_id, c.digest FROM manifest_references r
      JOIN manifests c ON c.repository_id = l.repository_id AND c.digest = r.digest
      WHERE r.manifest_id = l.id AND r.kind = 'manifest'
      UNION ALL
      SELECT x.id, x.repository_id, x.digest FROM manifests x
      WHERE x.repository_id = l.repository_id AND x.subject_digest = l.digest
    ) edge
  )`;

export class TypeormGcRecords extends GcRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async unreachableManifests(
    cutoff: Date,
    afterId: string | null,
    limit: number,
  ): Promise<UnreachableManifest[]> {
    // Recursive reachability is planned cheaply but JIT-compiled expensively on every page.
    return this.db.transaction(async (tx) => {
      await tx.query('SET LOCAL jit = off');
      const rows: { id: string; repository: string; digest: string }[] = await tx.query(
        `${REACHABLE}
       SELECT m.id, r.name AS repository, m.digest FROM manifests m
       JOIN repositories r ON r.id = m.repository_id
       WHERE ($2::bigint IS NULL OR m.id > $2) AND NOT EXISTS (SELECT 1 FROM live WHERE live.id = m.id)
       ORDER BY m.id LIMIT $3`,
        [cutoff, afterId, limit],
      );
      return rows;
    });
  }

  async deleteManifests(ids: readonly string[], cutoff: Date): Promise<UnreachableManifest[]> {
    if (ids.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const locked: { id: string }[] = await tx.query(
        `SELECT id FROM manifests WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED`,
        [ids],
      );
      if (locked.length === 0) return [];
      // The projects' usage rows, in name order, before the deletion's triggers take them one by
      // one (in whatever order the rows come): two collections cannot deadlock on them.
      await tx.query(
        `SELECT berth_quota_lock(array_agg(DISTINCT split_part(r.name, '/', 1)))
         FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE m.id = ANY($1::bigint[])`,
        [locked.map((row) => row.id)],
      );
      // A new statement: its snapshot sees every push that held these rows before us.
      const rows: UnreachableManifest[] = await tx.query(
        `WITH doomed AS (
           SELECT m.id FROM manifests m
           WHERE m.id = ANY($1::bigint[]) AND m.created_at < $2
             AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id)
             AND NOT EXISTS (
               SELECT 1 FROM manifest_references r JOIN manifests p ON p.id = r.manifest_id
               WHERE r.kind = 'manifest' AND r.digest = m.digest AND p.repository_id = m.repository_id)
             AND NOT EXISTS (
               SELECT 1 FROM manifests s
               WHERE m.subject_digest IS NOT NULL AND s.repository_id = m.repository_id AND s.digest = m.subject_digest)
         ), gone AS (
           DELETE FROM manifests m USING doomed WHERE m.id = doomed.id
           RETURNING m.id, m.repository_id, m.digest
         )
         SELECT gone.id, r.name AS repository, gone.digest FROM gone JOIN repositories r ON r.id = gone.repository_id`,
        [locked.map((row) => row.id), cutoff],
      );
      return rows;
    });
  }

  async unreferencedBlobs(
    cutoff: Date,
    afterDigest: string | null,
    limit: number,
    assumeDeleted: readonly string[] = [],
  ): Promise<CollectableBlob[]> {
    const rows: { digest: string; size: string }[] = await this.db.query(
      `SELECT b.digest, b.size FROM blobs b
       WHERE ($2::text IS NULL OR b.digest > $2) AND b.touched_at < $1
         AND NOT EXISTS (
           SELECT 1 FROM manifest_references r
           WHERE r.digest = b.digest AND NOT (r.manifest_id = ANY($4::bigint[])))
       ORDER BY b.digest COLLATE "C" LIMIT $3`,
      [cutoff, afterDigest, limit, assumeDeleted],
    );
    return rows.map((row) => ({ digest: row.digest, size: Number(row.size) }));
  }

  async collectBlobs(
    digests: readonly string[],
    cutoff: Date,
    deleteBytes: (digest: string) => Promise<void>,
  ): Promise<CollectableBlob[]> {
    if (digests.length === 0) return [];
    let failure: { error: unknown } | undefined;
    const collected = await this.db.transaction(async (tx): Promise<CollectableBlob[]> => {
      const locked: { digest: string }[] = await tx.query(
        `SELECT digest FROM blobs WHERE digest = ANY($1) ORDER BY digest FOR UPDATE SKIP LOCKED`,
        [digests],
      );
      if (locked.length === 0) return [];
      // A new statement: its snapshot sees every manifest push that held these rows before us.
      const rows: { digest: string; size: string }[] = await tx.query(
        `SELECT b.digest, b.size FROM blobs b
         WHERE b.digest = ANY($1) AND b.touched_at < $2
           AND NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.digest = b.digest)`,
        [locked.map((row) => row.digest), cutoff],
      );
      // One blob at a time: rows, then bytes, all under the locks (a concurrent upload of the
      // same digest waits for commit and then puts its bytes back). A failure stops the batch;
      // the blobs reached so far, the failing one included, still lose their rows.
      const collected: CollectableBlob[] = [];
      for (const row of rows) {
        await tx.query(`DELETE FROM repository_blobs WHERE digest = $1`, [row.digest]);
        await tx.query(`DELETE FROM blobs WHERE digest = $1`, [row.digest]);
        collected.push({ digest: row.digest, size: Number(row.size) });
        try {
          await deleteBytes(row.digest);
        } catch (error) {
          failure = { error };
          break;
        }
      }
      return collected;
    });
    if (failure) throw failure.error;
    return collected;
  }
}
