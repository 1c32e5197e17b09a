// Per-project storage usage against the real PostgreSQL: counted once per project, charged and
// checked in the push's transaction, released by every deletion path, backfilled by the migration.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { digestOf, MediaType, parseManifest, type Digest, type ParsedManifest } from '@berth/oci';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { TypeormProjectRecords } from '../access/project-records.js';
import { pgErrorCode } from '../access/pg-errors.js';
import { TypeormRepositoryCatalog } from '../catalog/repository-catalog.js';
import { openDatabase } from '../data-source.js';
import { TypeormGcRecords } from '../gc/gc-records.js';
import { Quotas1765296000000 } from '../migrations/1765296000000-quotas.js';
import { TypeormBlobRecords } from '../stores/blob-records.js';
import { TypeormManifestRecords } from '../stores/manifest-records.js';
import { TypeormRepositoryRecords } from '../stores/repository-records.js';
import { QuotaExceededError } from './quota-exceeded.error.js';
import { TypeormQuotaRecords } from './quota-records.js';

interface Blob {
  digest: Digest;
  size: number;
}

const blob = (label: string, size: number): Blob => ({ digest: digestOf(`quota:${label}`), size });

function image(config: Blob, layers: Blob[], note = ''): ParsedManifest {
  const document = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({
      mediaType: MediaType.OciLayerTarGzip,
      digest: layer.digest,
      size: layer.size,
    })),
    ...(note !== '' && { annotations: { note } }),
  };
  return parseManifest(Buffer.from(JSON.stringify(document)), MediaType.OciManifest);
}

function index(children: ParsedManifest[]): ParsedManifest {
  const document = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: children.map((child) => ({
      mediaType: child.mediaType,
      digest: child.digest,
      size: child.bytes.length,
    })),
  };
  return parseManifest(Buffer.from(JSON.stringify(document)), MediaType.OciIndex);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('project storage usage', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repositories: TypeormRepositoryRecords;
  let blobs: TypeormBlobRecords;
  let manifests: TypeormManifestRecords;
  let projects: TypeormProjectRecords;
  let quota: TypeormQuotaRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 20 });
    repositories = new TypeormRepositoryRecords(dataSource);
    blobs = new TypeormBlobRecords(dataSource);
    manifests = new TypeormManifestRecords(dataSource);
    projects = new TypeormProjectRecords(dataSource);
    quota = new TypeormQuotaRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** Creates the repository, links the blobs to it, and stores the manifest with `tags`. */
  async function push(repository: string, manifest: ParsedManifest, content: Blob[], tags = ['t']) {
    const id = await repositories.ensure(repository);
    for (const { digest, size } of content) await blobs.publish(id, digest, size, () => Promise.resolve());
    await manifests.save(id, manifest, tags);
  }

  /** Asserts the kept usage, and that it equals the usage recomputed from scratch. */
  async function expectUsage(project: string, bytes: number): Promise<void> {
    expect({ project, kept: await quota.usedBytes(project) }).toEqual({ project, kept: bytes });
    expect({ project, recounted: await quota.recount(project) }).toEqual({ project, recounted: bytes });
  }

  it('counts each blob once per project, the manifest bytes included, and projects apart', async () => {
    const config = blob('once-config', 100);
    const shared = blob('once-shared', 1000);
    const own = blob('once-own', 10);
    const first = image(config, [shared]);
    const second = image(config, [shared, own]);
    await push('once/a', first, [config, shared]);
    await expectUsage('once', 1100 + first.bytes.length);
    // Another repository of the project: only the new layer and the new manifest count.
    await push('once/b', second, [config, shared, own]);
    await expectUsage('once', 1110 + first.bytes.length + second.bytes.length);
    // The same manifest in a third repository adds nothing.
    await push('once/c', first, [config, shared]);
    await expectUsage('once', 1110 + first.bytes.length + second.bytes.length);
    // Another project pays for its own copy.
    await push('twice/a', first, [config, shared]);
    await expectUsage('twice', 1100 + first.bytes.length);
    // A repository named just like its project belongs to it.
    await push('twice', second, [config, shared, own]);
    await expectUsage('twice', 1110 + first.bytes.length + second.bytes.length);
  });

  it('counts an index and its children once each, and a layer listed twice once', async () => {
    const config = blob('index-config', 7);
    const layer = blob('index-layer', 300);
    const child = image(config, [layer, layer]);
    const parent = index([child]);
    await push('indexed/app', child, [config, layer], []);
    await push('indexed/app', parent, []);
    await expectUsage('indexed', 307 + child.bytes.length + parent.bytes.length);
    expect(await manifests.deleteByDigest('indexed/app', child.digest)).toBe(true);
    await expectUsage('indexed', parent.bytes.length);
  });

  it('releases a blob when the last manifest of the project that holds it is deleted', async () => {
    const config = blob('release-config', 50);
    const shared = blob('release-shared', 5000);
    const first = image(config, [shared], 'first');
    const second = image(config, [shared], 'second');
    await push('release/a', first, [config, shared]);
    await push('release/b', second, [config, shared]);
    await expectUsage('release', 5050 + first.bytes.length + second.bytes.length);
    expect(await manifests.deleteByDigest('release/a', first.digest)).toBe(true);
    await expectUsage('release', 5050 + second.bytes.length);
    // Untagging stores nothing less: the manifest stays until it is deleted.
    expect(await manifests.untag('release/b', 't')).toBe(true);
    await expectUsage('release', 5050 + second.bytes.length);
    expect(await manifests.deleteByDigest('release/b', second.digest)).toBe(true);
    await expectUsage('release', 0);
  });

  it("releases a project's usage when its repositories are deleted, by either path", async () => {
    const config = blob('repo-config', 20);
    const layer = blob('repo-layer', 2000);
    const manifest = image(config, [layer]);
    await push('repos/one', manifest, [config, layer]);
    await push('repos/two/deep', manifest, [config, layer]);
    await push('repos-other/x', manifest, [config, layer]);
    await expectUsage('repos', 2020 + manifest.bytes.length);
    // A plain DELETE of one repository (what an admin endpoint may run): the other still holds it.
    await dataSource.query(`DELETE FROM repositories WHERE name = 'repos/one'`);
    await expectUsage('repos', 2020 + manifest.bytes.length);
    expect(await repositories.deleteByProject('repos')).toBe(1);
    await expectUsage('repos', 0);
    await expectUsage('repos-other', 2020 + manifest.bytes.length);
  });

  it('releases what garbage collection deletes', async () => {
    const config = blob('gc-config', 30);
    const layer = blob('gc-layer', 3000);
    const kept = image(config, [layer], 'kept');
    const untagged = image(config, [blob('gc-own', 400)], 'untagged');
    await push('gc/app', kept, [config, layer]);
    await push('gc/app', untagged, [config, blob('gc-own', 400)], []);
    await expectUsage('gc', 3430 + kept.bytes.length + untagged.bytes.length);
    const gc = new TypeormGcRecords(dataSource);
    const future = new Date(Date.now() + 60_000);
    const unreachable = await gc.unreachableManifests(future, null, 100);
    const ids = unreachable.filter((m) => m.repository === 'gc/app').map((m) => m.id);
    expect(ids).toHaveLength(1);
    expect(await gc.deleteManifests(ids, future)).toEqual([
      { id: ids[0], repository: 'gc/app', digest: untagged.digest },
    ]);
    await expectUsage('gc', 3030 + kept.bytes.length);
  });

  describe('limits', () => {
    it('refuses a push over the limit with the figures, storing nothing', async () => {
      const config = blob('limit-config', 100);
      const small = image(config, [blob('limit-small', 1000)]);
      await projects.create({ name: 'limited', public: false, storageLimitBytes: 2000 });
      await push('limited/app', small, [config, blob('limit-small', 1000)], ['small']);
      const used = 1100 + small.bytes.length;
      await expectUsage('limited', used);

      const big = image(config, [blob('limit-big', 900)]);
      const error = await rejection(push('limited/app', big, [blob('limit-big', 900)], ['big']));
      expect(error).toBeInstanceOf(QuotaExceededError);
      expect(error).toMatchObject({
        project: 'limited',
        storageLimitBytes: 2000,
        storageUsedBytes: used,
        requiredBytes: 900 + big.bytes.length,
      });
      expect((error as Error).message).toMatch(
        new RegExp(
          `^storage quota exceeded: project limited uses ${used} bytes \\(1\\.\\d KiB\\) of its ` +
            `2000 bytes \\(2 KiB\\) limit and this push needs ${900 + big.bytes.length} bytes \\(1\\.\\d KiB\\) more$`,
        ),
      );
      expect(await manifests.findByDigest('limited/app', big.digest)).toBeUndefined();
      expect(await manifests.findByTag('limited/app', 'big')).toBeUndefined();
      await expectUsage('limited', used);
    });

    it('lets a push that adds no new bytes through even above the limit', async () => {
      const config = blob('above-config', 100);
      const layer = blob('above-layer', 1000);
      const manifest = image(config, [layer]);
      await projects.create({ name: 'above', public: false, storageLimitBytes: null });
      await push('above/a', manifest, [config, layer]);
      expect(await projects.setStorageLimit('above', 10)).toBe(true);
      // Re-tagging and pushing the same manifest into another repository take no new space.
      await push('above/a', manifest, [config, layer], ['again']);
      await push('above/b', manifest, [config, layer]);
      await expectUsage('above', 1100 + manifest.bytes.length);
      const grown = image(config, [layer], 'a new manifest is new bytes');
      expect(await rejection(push('above/b', grown, []))).toBeInstanceOf(QuotaExceededError);
    });

    it('allows exactly the limit, and treats no limit (or no project row) as unlimited', async () => {
      const config = blob('exact-config', 10);
      const manifest = image(config, []);
      await projects.create({ name: 'exact', public: false, storageLimitBytes: 10 + manifest.bytes.length });
      await push('exact/app', manifest, [config]);
      await expectUsage('exact', 10 + manifest.bytes.length);

      const huge = blob('unlimited-huge', 2 ** 40);
      await projects.create({ name: 'unlimited', public: false });
      await push('unlimited/app', image(config, [huge]), [config, huge]);
      expect(await quota.usedBytes('unlimited')).toBeGreaterThan(2 ** 40);
      await push('no-project-row/app', image(config, [huge]), [config, huge]);
      expect(await quota.usedBytes('no-project-row')).toBeGreaterThan(2 ** 40);
      expect(await quota.usedBytesOf(['unlimited', 'nothing-here'])).toEqual(
        new Map([
          ['unlimited', await quota.usedBytes('unlimited')],
          ['nothing-here', 0],
        ]),
      );
    });

    it('never overshoots under concurrent pushes, and usage matches a recount', async () => {
      const config = blob('race-config', 100);
      await projects.create({ name: 'race', public: false, storageLimitBytes: 5000 });
      const images = Array.from({ length: 8 }, (_, i) => {
        const layer = blob(`race-layer-${i}`, 1000 + i);
        return { layer, manifest: image(config, [layer]) };
      });
      const id = await repositories.ensure('race/app');
      for (const { layer } of images)
        await blobs.publish(id, layer.digest, layer.size, () => Promise.resolve());
      await blobs.publish(id, config.digest, config.size, () => Promise.resolve());
      const results = await Promise.allSettled(
        images.map(({ manifest }, i) => manifests.save(id, manifest, [`v${i}`])),
      );
      const stored = results.filter((result) => result.status === 'fulfilled').length;
      const refused = results.flatMap((result) =>
        result.status === 'rejected' ? [result.reason as unknown] : [],
      );
      expect(refused.every((reason) => reason instanceof QuotaExceededError)).toBe(true);
      expect(stored).toBeGreaterThanOrEqual(3);
      expect(stored).toBeLessThan(8);
      const used = await quota.usedBytes('race');
      expect(used).toBeLessThanOrEqual(5000);
      expect(await quota.recount('race')).toBe(used);
    });
  });

  // Deletion paths lock links, manifests, then repository rows, before their triggers take the
  // usage row, in the order a push does; each round races six pushes into the repository.
  it('deleting a repository while pushes go into it never deadlocks', async () => {
    const catalog = new TypeormRepositoryCatalog(dataSource);
    const config = blob('deadlock-config', 10);
    const deadlocks: string[] = [];
    const note = (error: unknown) => {
      if (pgErrorCode(error) !== '40P01') return;
      const driverError = (error as { driverError?: { detail?: string } }).driverError;
      deadlocks.push(`${String(error)}: ${driverError?.detail ?? ''}`);
    };
    for (let round = 0; round < 8; round++) {
      await push('deadlock/app', image(config, [], `seed ${round}`), [config]);
      const id = (await repositories.findId('deadlock/app'))!;
      await Promise.all([
        ...Array.from({ length: 6 }, (_, i) =>
          manifests.save(id, image(config, [], `round ${round} push ${i}`), [`t${i}`]).catch(note),
        ),
        (round % 2 === 0 ? catalog.delete('deadlock/app') : repositories.deleteByProject('deadlock')).catch(
          note,
        ),
      ]);
    }
    expect(deadlocks).toEqual([]);
    await expectUsage('deadlock', await quota.recount('deadlock'));
  }, 30_000);

  /** Every project with content, and its kept usage next to a recount. */
  async function everyProject(): Promise<{ project: string; kept: number; recounted: number }[]> {
    const rows: { project: string }[] = await dataSource.query(
      `SELECT DISTINCT split_part(name, '/', 1) AS project FROM repositories ORDER BY 1`,
    );
    return Promise.all(
      rows.map(async ({ project }) => ({
        project,
        kept: await quota.usedBytes(project),
        recounted: await quota.recount(project),
      })),
    );
  }

  // The last two tests rebuild and then wipe the counters of everything above.
  it('the migration backfills the usage of content stored before it', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await new Quotas1765296000000().down(runner);
      const config = blob('backfill-config', 10);
      const layer = blob('backfill-layer', 700);
      const first = image(config, [layer], 'first');
      const second = image(config, [layer], 'second');
      await dataSource.query(`INSERT INTO blobs (digest, size) VALUES ($1, 10), ($2, 700)`, [
        config.digest,
        layer.digest,
      ]);
      // Content as an older Berth stored it: rows only, no counters.
      for (const [name, manifest] of [
        ['old/a', first],
        ['old/b', second],
        ['old/b', first],
        ['older/c', first],
      ] as const) {
        const rows: { id: string }[] = await dataSource.query(
          `INSERT INTO manifests (repository_id, digest, media_type, size, payload)
           VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [
            await repositories.ensure(name),
            manifest.digest,
            manifest.mediaType,
            manifest.bytes.length,
            manifest.bytes,
          ],
        );
        await dataSource.query(
          `INSERT INTO manifest_references (manifest_id, position, digest, kind)
           VALUES ($1, 0, $2, 'config'), ($1, 1, $3, 'layer')`,
          [rows[0]!.id, config.digest, layer.digest],
        );
      }
      await new Quotas1765296000000().up(runner);
      await expectUsage('old', 710 + first.bytes.length + second.bytes.length);
      await expectUsage('older', 710 + first.bytes.length);
      // Everything the tests above stored is counted as it was kept.
      const all = await everyProject();
      expect(all.length).toBeGreaterThan(10);
      for (const row of all) expect(row).toEqual({ ...row, kept: row.recounted });
      // And the counters go on from there: deleting every copy of `first` releases it.
      expect(await manifests.deleteByDigest('old/a', first.digest)).toBe(true);
      expect(await manifests.deleteByDigest('old/b', first.digest)).toBe(true);
      await expectUsage('old', 710 + second.bytes.length);
    } finally {
      await runner.release();
    }
  });

  it('TRUNCATE of the content clears the usage too', async () => {
    expect(await quota.usedBytes('once')).toBeGreaterThan(0);
    await dataSource.query(`TRUNCATE repositories, manifests, manifest_references, tags CASCADE`);
    expect(await quota.usedBytes('once')).toBe(0);
    const refs: { n: string }[] = await dataSource.query(`SELECT count(*) AS n FROM project_content_refs`);
    expect(refs[0]!.n).toBe('0');
  });
});
