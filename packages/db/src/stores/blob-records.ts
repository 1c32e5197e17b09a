import type { DataSource } from 'typeorm';

export interface BlobRecord {
  digest: string;
  size: number;
}

/** Port: which verified blobs exist, and which repositories may read them. */
export abstract class BlobRecords {
  /** The blob if it exists and is linked to the repository, else `undefined`. */
  abstract findInRepository(repository: string, digest: string): Promise<BlobRecord | undefined>;
  /** The blob if it exists anywhere in the registry. */
  abstract find(digest: string): Promise<BlobRecord | undefined>;
  /** The blob if it is linked to any repository of the project (`<project>/…`). */
  abstract findInProject(project: string, digest: string): Promise<BlobRecord | undefined>;
  /**
   * Makes a verified upload visible: records the blob (or refreshes `touched_at`), calls
   * `placeBytes` to put its bytes at their content address, and links it to the repository,
   * all while holding the blob's row lock. Garbage collection deletes a blob's bytes under the
   * same lock, so the two serialise: bytes are never deleted under a blob that was just
   * (re)published, and `placeBytes` runs after any deletion already under way has finished.
   */
  abstract publish(
    repositoryId: string,
    digest: string,
    size: number,
    placeBytes: () => Promise<void>,
  ): Promise<void>;
  /**
   * Links an existing blob to another repository (a mount) and refreshes `touched_at`. Returns
   * `false` when the blob no longer exists (collected meanwhile): nothing is created.
   */
  abstract linkExisting(repositoryId: string, digest: string): Promise<boolean>;
  /** Removes the repository's link. Returns `false` when there was none. The bytes stay for GC. */
  abstract unlink(repository: string, digest: string): Promise<boolean>;
}

export class TypeormBlobRecords extends BlobRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async findInRepository(repository: string, digest: string): Promise<BlobRecord | undefined> {
    const rows: { size: string }[] = await this.db.query(
      `SELECT b.size FROM blobs b
       JOIN repository_blobs rb ON rb.digest = b.digest
       JOIN repositories r ON r.id = rb.repository_id
       WHERE r.name = $1 AND b.digest = $2`,
      [repository, digest],
    );
    return rows[0] && { digest, size: Number(rows[0].size) };
  }

  async find(digest: string): Promise<BlobRecord | undefined> {
    const rows: { size: string }[] = await this.db.query(`SELECT size FROM blobs WHERE digest = $1`, [
      digest,
    ]);
    return rows[0] && { digest, size: Number(rows[0].size) };
  }

  async findInProject(project: string, digest: string): Promise<BlobRecord | undefined> {
    const rows: { size: string }[] = await this.db.query(
      `SELECT b.size FROM blobs b
       WHERE b.digest = $2 AND EXISTS (
         SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
         WHERE rb.digest = b.digest AND split_part(r.name, '/', 1) = $1)`,
      [project, digest],
    );
    return rows[0] && { digest, size: Number(rows[0].size) };
  }

  async publish(
    repositoryId: string,
    digest: string,
    size: number,
    placeBytes: () => Promise<void>,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      // The upsert takes the row lock (waiting for a collection of this blob to finish).
      await tx.query(
        `INSERT INTO blobs (digest, size) VALUES ($1, $2)
         ON CONFLICT (digest) DO UPDATE SET touched_at = now()`,
        [digest, size],
      );
      await placeBytes();
      await tx.query(
        `INSERT INTO repository_blobs (repository_id, digest) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [repositoryId, digest],
      );
    });
  }

  async linkExisting(repositoryId: string, digest: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH blob AS (
         UPDATE blobs SET touched_at = now() WHERE digest = $2 RETURNING digest
       ), linked AS (
         INSERT INTO repository_blobs (repository_id, digest) SELECT $1, digest FROM blob
         ON CONFLICT DO NOTHING
       )
       SELECT digest FROM blob`,
      [repositoryId, digest],
    );
    return rows.length > 0;
  }

  async unlink(repository: string, digest: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM repository_blobs rb USING repositories r
         WHERE rb.repository_id = r.id AND r.name = $1 AND rb.digest = $2 RETURNING rb.digest
       ) SELECT digest FROM gone`,
      [repository, digest],
    );
    return rows.length > 0;
  }
}
