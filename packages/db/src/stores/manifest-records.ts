import { RegistryError, type ParsedManifest } from '@berth/oci';
import type { DataSource, EntityManager } from 'typeorm';
import { assertWithinQuota } from '../quota/quota-check.js';

export interface ManifestRecord {
  id: string;
  digest: string;
  mediaType: string;
  size: number;
  payload: Buffer;
}

export interface ReferrerRecord {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  annotations: Record<string, string> | null;
}

/** Port: manifests, tags and the referrers index of repositories. */
export abstract class ManifestRecords {
  /**
   * Stores a manifest and points `tags` at it, atomically. Every required blob must be linked to
   * the repository and every child manifest stored in it, else `MANIFEST_BLOB_UNKNOWN` naming
   * the missing digests. Those rows are share-locked until commit, so a concurrent delete of
   * what the manifest needs waits for the push or is seen by it. Storing the same manifest again
   * is a no-op apart from its tags. A new manifest that takes its project past its storage limit
   * is refused with `QuotaExceededError`, nothing stored.
   */
  abstract save(repositoryId: string, manifest: ParsedManifest, tags: readonly string[]): Promise<void>;
  abstract findByDigest(repository: string, digest: string): Promise<ManifestRecord | undefined>;
  abstract findByTag(repository: string, tag: string): Promise<ManifestRecord | undefined>;
  /**
   * Tags of a repository in lexical order after `last`, up to `limit`; `undefined` when the
   * repository does not exist.
   */
  abstract tags(repository: string, limit: number, last?: string): Promise<string[] | undefined>;
  /** Deletes a manifest and every tag pointing at it. Returns `false` when it did not exist. */
  abstract deleteByDigest(repository: string, digest: string): Promise<boolean>;
  /** Removes one tag; the manifest stays. Returns `false` when the tag did not exist. */
  abstract untag(repository: string, tag: string): Promise<boolean>;
  /** Manifests of the repository whose subject is `digest`, optionally of one artifact type. */
  abstract referrers(repository: string, digest: string, artifactType?: string): Promise<ReferrerRecord[]>;
}

interface ManifestRow {
  id: string;
  digest: string;
  media_type: string;
  size: number;
  payload: Buffer;
}

const toRecord = (row: ManifestRow): ManifestRecord => ({
  id: row.id,
  digest: row.digest,
  mediaType: row.media_type,
  size: row.size,
  payload: row.payload,
});

export class TypeormManifestRecords extends ManifestRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async save(repositoryId: string, manifest: ParsedManifest, tags: readonly string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.assertReferencesPresent(tx, repositoryId, manifest);
      const { id: manifestId, created } = await this.insertManifest(tx, repositoryId, manifest);
      // Before the tags: the usage row lock (taken by the insert's trigger) comes before tag locks.
      if (created) await assertWithinQuota(tx, manifestId);
      if (tags.length > 0) {
        // Sorted, so concurrent pushes sharing tags lock them in one order and cannot deadlock.
        await tx.query(
          `INSERT INTO tags (repository_id, name, manifest_id)
           SELECT $1, tag, $3 FROM unnest($2::text[]) AS tag ORDER BY tag COLLATE "C"
           ON CONFLICT (repository_id, name) DO UPDATE SET manifest_id = EXCLUDED.manifest_id, updated_at = now()`,
          [repositoryId, [...new Set(tags)].sort(), manifestId],
        );
      }
    });
  }

  private async assertReferencesPresent(
    tx: EntityManager,
    repositoryId: string,
    manifest: ParsedManifest,
  ): Promise<void> {
    const blobs = unique(
      manifest.references.filter((r) => r.required && r.kind !== 'manifest').map((r) => r.digest),
    );
    const children = unique(manifest.references.filter((r) => r.kind === 'manifest').map((r) => r.digest));
    const found = new Set<string>();
    if (blobs.length > 0) {
      // Share-lock the blobs first: garbage collection deletes a blob only under its exclusive
      // row lock, so it either finishes before (the blob is missing here) or waits for this
      // push to commit its references (and then sees them).
      await tx.query(`SELECT digest FROM blobs WHERE digest = ANY($1) ORDER BY digest FOR SHARE`, [blobs]);
      const rows: { digest: string }[] = await tx.query(
        `SELECT digest FROM repository_blobs WHERE repository_id = $1 AND digest = ANY($2) FOR SHARE`,
        [repositoryId, blobs],
      );
      rows.forEach((row) => found.add(row.digest));
    }
    if (children.length > 0) {
      const rows: { digest: string }[] = await tx.query(
        `SELECT digest FROM manifests WHERE repository_id = $1 AND digest = ANY($2) FOR SHARE`,
        [repositoryId, children],
      );
      rows.forEach((row) => found.add(row.digest));
    }
    const missing = [...blobs, ...children].filter((digest) => !found.has(digest));
    if (missing.length > 0) {
      throw new RegistryError(
        'MANIFEST_BLOB_UNKNOWN',
        `manifest references unknown content: ${missing.join(', ')}`,
        {
          detail: { missing },
        },
      );
    }
  }

  private async insertManifest(
    tx: EntityManager,
    repositoryId: string,
    manifest: ParsedManifest,
  ): Promise<{ id: string; created: boolean }> {
    // DO UPDATE (not DO NOTHING) locks an existing row, so a concurrent delete of the same
    // manifest either finishes first (and this inserts anew) or waits for this push. A re-push
    // counts as a push: it restarts the manifest's garbage-collection grace window.
    const rows: { id: string; created: boolean }[] = await tx.query(
      `INSERT INTO manifests (repository_id, digest, media_type, artifact_type, subject_digest, annotations, size, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (repository_id, digest) DO UPDATE SET created_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [
        repositoryId,
        manifest.digest,
        manifest.mediaType,
        manifest.artifactType ?? null,
        manifest.subject?.digest ?? null,
        manifest.annotations ? JSON.stringify(manifest.annotations) : null,
        manifest.bytes.length,
        manifest.bytes,
      ],
    );
    const { id, created } = rows[0]!;
    if (!created) return { id, created };
    if (manifest.references.length > 0) {
      await tx.query(
        `INSERT INTO manifest_references (manifest_id, position, digest, kind)
         SELECT $1, ordinality - 1, ref.digest, ref.kind
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS ref(digest, kind)`,
        [id, manifest.references.map((r) => r.digest), manifest.references.map((r) => r.kind)],
      );
    }
    return { id, created };
  }

  async findByDigest(repository: string, digest: string): Promise<ManifestRecord | undefined> {
    const rows: ManifestRow[] = await this.db.query(
      `SELECT m.id, m.digest, m.media_type, m.size, m.payload FROM manifests m
       JOIN repositories r ON r.id = m.repository_id WHERE r.name = $1 AND m.digest = $2`,
      [repository, digest],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async findByTag(repository: string, tag: string): Promise<ManifestRecord | undefined> {
    const rows: ManifestRow[] = await this.db.query(
      `SELECT m.id, m.digest, m.media_type, m.size, m.payload FROM tags t
       JOIN repositories r ON r.id = t.repository_id
       JOIN manifests m ON m.id = t.manifest_id WHERE r.name = $1 AND t.name = $2`,
      [repository, tag],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async tags(repository: string, limit: number, last?: string): Promise<string[] | undefined> {
    const repo: { id: string }[] = await this.db.query(`SELECT id FROM repositories WHERE name = $1`, [
      repository,
    ]);
    if (repo[0] === undefined) return undefined;
    const rows: { name: string }[] = await this.db.query(
      `SELECT name FROM tags WHERE repository_id = $1 AND ($2::text IS NULL OR name COLLATE "C" > $2)
       ORDER BY name COLLATE "C" LIMIT $3`,
      [repo[0].id, last ?? null, limit],
    );
    return rows.map((row) => row.name);
  }

  async deleteByDigest(repository: string, digest: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM manifests m USING repositories r
         WHERE m.repository_id = r.id AND r.name = $1 AND m.digest = $2 RETURNING m.id
       ) SELECT id FROM gone`,
      [repository, digest],
    );
    return rows.length > 0;
  }

  async untag(repository: string, tag: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM tags t USING repositories r
         WHERE t.repository_id = r.id AND r.name = $1 AND t.name = $2 RETURNING t.name
       ) SELECT name FROM gone`,
      [repository, tag],
    );
    return rows.length > 0;
  }

  async referrers(repository: string, digest: string, artifactType?: string): Promise<ReferrerRecord[]> {
    const rows: {
      digest: string;
      media_type: string;
      size: number;
      artifact_type: string | null;
      annotations: Record<string, string> | null;
    }[] = await this.db.query(
      `SELECT m.digest, m.media_type, m.size, m.artifact_type, m.annotations FROM manifests m
       JOIN repositories r ON r.id = m.repository_id
       WHERE r.name = $1 AND m.subject_digest = $2 AND ($3::text IS NULL OR m.artifact_type = $3)
       ORDER BY m.created_at, m.digest`,
      [repository, digest, artifactType ?? null],
    );
    return rows.map((row) => ({
      digest: row.digest,
      mediaType: row.media_type,
      size: row.size,
      artifactType: row.artifact_type,
      annotations: row.annotations,
    }));
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
