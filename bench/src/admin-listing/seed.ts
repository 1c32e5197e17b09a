import type { DataSource } from '@berth/db';

/**
 * Seeds the admin-listing benchmark straight into PostgreSQL with `generate_series` (seconds
 * for ~114k manifests, ~200k blobs and ~110k tags), the way the registry itself would have
 * stored them: the same tables and triggers (quota accounting, index children; the listing
 * counters are computed once at the end), then VACUUM ANALYZE.
 *
 * - project `bench`, repository `bench/big`: 100,000 top-level artifacts — 99,000 images (a
 *   config and a layer blob each, tagged `v<i>`) and 1,000 indexes (`multi-<j>`, two child
 *   images each, hidden from the listing), plus a signature on every 100th image (an accessory,
 *   hidden too): 104,000 manifests in all.
 * - project `many`: 10,000 repositories `many/repo-00001` … with one tagged image each.
 *
 * Digests are synthetic but well-formed and unique: `sha256:<kind letter><63 hex digits>`.
 */
export const BIG = { project: 'bench', repository: 'bench/big', images: 99_000, indexes: 1_000 };
export const MANY = { project: 'many', repositories: 10_000 };

const digest = (kind: string, i: string) => `'sha256:${kind}' || lpad(to_hex(${i}), 63, '0')`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const COSIGN = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const PAYLOAD = `'\\x7b7d'::bytea`;

export async function seed(db: DataSource): Promise<void> {
  await db.query(`INSERT INTO projects (name, public) VALUES ($1, false), ($2, false)`, [
    BIG.project,
    MANY.project,
  ]);
  // The per-repository counters are kept by deferred row triggers, made for one push at a time:
  // 100k updates of one counter row in one transaction would take minutes. Bulk loads count
  // once at the end instead (the migration's own backfill), with the same result.
  await db.query(`ALTER TABLE manifests DISABLE TRIGGER artifact_count_manifest_changed`);
  await db.query(`ALTER TABLE tags DISABLE TRIGGER artifact_count_tag_changed`);
  try {
    await seedBig(db);
    await seedMany(db);
  } finally {
    await db.query(`ALTER TABLE manifests ENABLE TRIGGER artifact_count_manifest_changed`);
    await db.query(`ALTER TABLE tags ENABLE TRIGGER artifact_count_tag_changed`);
  }
  await db.query(
    `INSERT INTO repository_manifest_counts (repository_id, manifests, unattached)
     SELECT repository_id, count(*), count(*) FILTER (WHERE subject_digest IS NULL) FROM manifests GROUP BY 1`,
  );
  await db.query(
    `INSERT INTO repository_tag_counts (repository_id, tags) SELECT repository_id, count(*) FROM tags GROUP BY 1`,
  );
  await db.query('VACUUM ANALYZE');
}

async function seedBig(db: DataSource): Promise<void> {
  const inserted: { id: string }[] = await db.query(
    `INSERT INTO repositories (name) VALUES ($1) RETURNING id`,
    [BIG.repository],
  );
  const id = inserted[0]!.id;
  const images = BIG.images;
  const children = BIG.indexes * 2;
  const blobImages = images + children; // every image, child or not, has its own config and layer
  await db.query(
    `INSERT INTO blobs (digest, size)
     SELECT ${digest('a', 'i')}, 1500 FROM generate_series(1, $1::int) i
     UNION ALL SELECT ${digest('b', 'i')}, 2000000 + i FROM generate_series(1, $1::int) i`,
    [blobImages],
  );
  await db.query(`INSERT INTO repository_blobs (repository_id, digest) SELECT $1, digest FROM blobs`, [id]);
  // Images 1..images are top-level; images+1..images+children are the indexes' children.
  await db.query(
    `INSERT INTO manifests (repository_id, digest, media_type, artifact_type, size, payload, created_at)
     SELECT $1, ${digest('c', 'i')}, '${MANIFEST}', '${CONFIG}', 420, ${PAYLOAD},
            timestamptz '2026-01-01' + i * interval '1 second'
     FROM generate_series(1, $2::int) i`,
    [id, blobImages],
  );
  await db.query(
    `INSERT INTO manifest_references (manifest_id, position, digest, kind)
     SELECT m.id, p.position, CASE WHEN p.position = 0 THEN ${digest('a', 'i')} ELSE ${digest('b', 'i')} END,
            CASE WHEN p.position = 0 THEN 'config' ELSE 'layer' END
     FROM generate_series(1, $2::int) i
     JOIN manifests m ON m.repository_id = $1 AND m.digest = ${digest('c', 'i')}
     CROSS JOIN (VALUES (0), (1)) AS p(position)`,
    [id, blobImages],
  );
  await db.query(
    `INSERT INTO manifests (repository_id, digest, media_type, size, payload, created_at)
     SELECT $1, ${digest('d', 'j')}, '${INDEX}', 300,
            convert_to(json_build_object('schemaVersion', 2, 'mediaType', '${INDEX}', 'manifests', json_build_array(
              json_build_object('mediaType', '${MANIFEST}', 'digest', ${digest('c', `${images} + 2 * j - 1`)}, 'size', 420,
                                'platform', json_build_object('os', 'linux', 'architecture', 'amd64')),
              json_build_object('mediaType', '${MANIFEST}', 'digest', ${digest('c', `${images} + 2 * j`)}, 'size', 420,
                                'platform', json_build_object('os', 'linux', 'architecture', 'arm64'))))::text, 'UTF8'),
            timestamptz '2026-01-01' + ($2::int + j) * interval '1 second'
     FROM generate_series(1, $3::int) j`,
    [id, blobImages, BIG.indexes],
  );
  await db.query(
    `INSERT INTO manifest_references (manifest_id, position, digest, kind)
     SELECT m.id, p.position, ${digest('c', `${images} + 2 * j - 1 + p.position`)}, 'manifest'
     FROM generate_series(1, $2::int) j
     JOIN manifests m ON m.repository_id = $1 AND m.digest = ${digest('d', 'j')}
     CROSS JOIN (VALUES (0), (1)) AS p(position)`,
    [id, BIG.indexes],
  );
  await db.query(
    `INSERT INTO manifests (repository_id, digest, media_type, artifact_type, subject_digest, size, payload, created_at)
     SELECT $1, ${digest('e', 'i')}, '${MANIFEST}', '${COSIGN}', ${digest('c', 'i')}, 350, ${PAYLOAD},
            timestamptz '2026-01-01' + i * interval '1 second' + interval '1 hour'
     FROM generate_series(100, $2::int, 100) i`,
    [id, images],
  );
  await db.query(
    `INSERT INTO tags (repository_id, name, manifest_id)
     SELECT $1, 'v' || i, m.id FROM generate_series(1, $2::int) i
     JOIN manifests m ON m.repository_id = $1 AND m.digest = ${digest('c', 'i')}
     UNION ALL
     SELECT $1, 'multi-' || j, m.id FROM generate_series(1, $3::int) j
     JOIN manifests m ON m.repository_id = $1 AND m.digest = ${digest('d', 'j')}`,
    [id, images, BIG.indexes],
  );
}

async function seedMany(db: DataSource): Promise<void> {
  const n = MANY.repositories;
  await db.query(
    `INSERT INTO repositories (name, created_at)
     SELECT 'many/repo-' || lpad(i::text, 5, '0'), timestamptz '2026-01-01' + i * interval '1 second'
     FROM generate_series(1, $1::int) i`,
    [n],
  );
  await db.query(
    `INSERT INTO blobs (digest, size) VALUES (${digest('f', '1')}, 1500), (${digest('f', '2')}, 5000000)`,
  );
  await db.query(
    `INSERT INTO repository_blobs (repository_id, digest)
     SELECT r.id, b.digest FROM repositories r
     CROSS JOIN (VALUES (${digest('f', '1')}), (${digest('f', '2')})) AS b(digest)
     WHERE starts_with(r.name, 'many/')`,
  );
  await db.query(
    `INSERT INTO manifests (repository_id, digest, media_type, artifact_type, size, payload, created_at)
     SELECT r.id, ${digest('9', 'r.id')}, '${MANIFEST}', '${CONFIG}', 420, ${PAYLOAD}, r.created_at
     FROM repositories r WHERE starts_with(r.name, 'many/')`,
  );
  await db.query(
    `INSERT INTO manifest_references (manifest_id, position, digest, kind)
     SELECT m.id, p.position, CASE WHEN p.position = 0 THEN ${digest('f', '1')} ELSE ${digest('f', '2')} END,
            CASE WHEN p.position = 0 THEN 'config' ELSE 'layer' END
     FROM manifests m JOIN repositories r ON r.id = m.repository_id
     CROSS JOIN (VALUES (0), (1)) AS p(position)
     WHERE starts_with(r.name, 'many/')`,
  );
  await db.query(
    `INSERT INTO tags (repository_id, name, manifest_id)
     SELECT m.repository_id, 'latest', m.id FROM manifests m JOIN repositories r ON r.id = m.repository_id
     WHERE starts_with(r.name, 'many/')`,
  );
}
