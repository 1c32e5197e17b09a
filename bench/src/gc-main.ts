import os from 'node:os';
import { openDatabase, TypeormGcRecords, type DataSource } from '@berth/db';
import { collectGarbage } from '@berth/registry';
import { InMemoryDriver } from '@berth/storage';
import { createTestDatabase } from '@berth/testing';

/**
 * `pnpm --filter @berth/bench gc [--quick]`: garbage collection over a seeded database, timing
 * mark and sweep at growing sizes. Half of the manifests are untagged and half of the blobs
 * are referenced by nothing, all older than the grace window, so a run deletes both.
 * Storage is in memory (the bytes are not the point here: their deletion is one call per blob).
 */
const FULL = [
  { blobs: 10_000, manifests: 2_000 },
  { blobs: 50_000, manifests: 10_000 },
  { blobs: 100_000, manifests: 20_000 },
];
const QUICK = [
  { blobs: 2_000, manifests: 400 },
  { blobs: 10_000, manifests: 2_000 },
];
const LAYERS_PER_MANIFEST = 4;

async function seed(db: DataSource, blobs: number, manifests: number): Promise<void> {
  await db.query(`INSERT INTO repositories (name) SELECT 'gc/repo-' || i FROM generate_series(1, 100) i`);
  await db.query(
    `INSERT INTO blobs (digest, size, created_at, touched_at)
     SELECT 'sha256:' || lpad(to_hex(i), 64, '0'), 1024, now() - interval '2 days', now() - interval '2 days'
     FROM generate_series(1, $1::int) i`,
    [blobs],
  );
  await db.query(
    `INSERT INTO repository_blobs (repository_id, digest)
     SELECT (i % 100) + 1, 'sha256:' || lpad(to_hex(i), 64, '0') FROM generate_series(1, $1::int) i`,
    [blobs],
  );
  // Manifest m references blobs m*5 … m*5+4 (config + layers); only the first half of the blob
  // space is referenced, so the other half is garbage.
  await db.query(
    `INSERT INTO manifests (repository_id, digest, media_type, size, payload, created_at)
     SELECT (m % 100) + 1, 'sha256:' || lpad(to_hex(1000000 + m), 64, '0'),
            'application/vnd.oci.image.manifest.v1+json', 2, '\\x7b7d', now() - interval '2 days'
     FROM generate_series(0, $1::int - 1) m`,
    [manifests],
  );
  await db.query(
    `INSERT INTO manifest_references (manifest_id, position, digest, kind)
     SELECT mf.id, p, 'sha256:' || lpad(to_hex(((mf.id - 1) * ${LAYERS_PER_MANIFEST + 1} + p) % ($1::int / 2) + 1), 64, '0'),
            CASE WHEN p = 0 THEN 'config' ELSE 'layer' END
     FROM manifests mf CROSS JOIN generate_series(0, ${LAYERS_PER_MANIFEST}) p`,
    [blobs],
  );
  await db.query(
    `INSERT INTO tags (repository_id, name, manifest_id)
     SELECT repository_id, 'v' || id, id FROM manifests WHERE id % 2 = 0`,
  );
  await db.query('ANALYZE');
}

async function measure(blobs: number, manifests: number) {
  const database = await createTestDatabase('berth_gcbench');
  const db = await openDatabase({ url: database.url, poolSize: 4 });
  try {
    await seed(db, blobs, manifests);
    const dry = await collectGarbage(
      { gc: new TypeormGcRecords(db), storage: new InMemoryDriver() },
      { dryRun: true, deleteUntagged: true, graceSeconds: 3600 },
    );
    const real = await collectGarbage(
      { gc: new TypeormGcRecords(db), storage: new InMemoryDriver() },
      { dryRun: false, deleteUntagged: true, graceSeconds: 3600 },
    );
    return { blobs, manifests, dry, real };
  } finally {
    await db.destroy();
    await database.drop();
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  console.log(
    `GC benchmark on ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  console.log(
    '| blobs | manifests | deleted manifests | deleted blobs | dry run (ms) | mark (ms) | sweep (ms) | total (ms) |',
  );
  console.log('|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const size of quick ? QUICK : FULL) {
    const { dry, real } = await measure(size.blobs, size.manifests);
    if (dry.manifestsDeleted !== real.manifestsDeleted || dry.blobsDeleted !== real.blobsDeleted) {
      throw new Error('the dry run did not report what the real run deleted');
    }
    console.log(
      `| ${size.blobs} | ${size.manifests} | ${real.manifestsDeleted} | ${real.blobsDeleted} | ${dry.durationMs} | ${real.markMs} | ${real.sweepMs} | ${real.durationMs} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
