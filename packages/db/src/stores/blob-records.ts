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
  /** Records a verified blob (if new) and links it to the repository; refreshes `touched_at`. */
  abstract link(repositoryId: string, digest: string, size: number): Promise<void>;
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

  async link(repositoryId: string, digest: string, size: number): Promise<void> {
    await this.db.query(
      `WITH blob AS (
         INSERT INTO blobs (digest, size) VALUES ($2, $3)
         ON CONFLICT (digest) DO UPDATE SET touched_at = now()
         RETURNING digest
       )
       INSERT INTO repository_blobs (repository_id, digest) SELECT $1, digest FROM blob
       ON CONFLICT DO NOTHING`,
      [repositoryId, digest, size],
    );
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
