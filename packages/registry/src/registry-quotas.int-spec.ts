// Storage quotas through the registry core: a push over the limit is DENIED, concurrent pushes
// never overshoot, and deletions (v2, repository, garbage collection) free usage at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import {
  openDatabase,
  TypeormBlobRecords,
  TypeormGcRecords,
  TypeormManifestRecords,
  TypeormProjectRecords,
  TypeormQuotaRecords,
  TypeormRepositoryRecords,
  TypeormUploadRecords,
  type DataSource,
} from '@berth/db';
import { digestOf, MediaType, RegistryError, type Digest } from '@berth/oci';
import { InMemoryDriver, type StorageDriver } from '@berth/storage';
import { createTestDatabase, seededBytes, type TestDatabase } from '@berth/testing';
import { collectGarbage } from './gc/collect-garbage.js';
import { Registry } from './registry.js';

interface Pushed {
  digest: Digest;
  /** The bytes the push brought: config, layer and manifest (none shared with other images). */
  size: number;
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof RegistryError)) {
      throw new Error(`expected a RegistryError, got ${String(error)}`, { cause: error });
    }
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Registry storage quotas, PostgreSQL + InMemoryDriver', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let storage: StorageDriver;
  let registry: Registry;
  let projects: TypeormProjectRecords;
  let quota: TypeormQuotaRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 30 });
    storage = new InMemoryDriver();
    registry = new Registry({
      repositories: new TypeormRepositoryRecords(dataSource),
      blobs: new TypeormBlobRecords(dataSource),
      uploads: new TypeormUploadRecords(dataSource),
      manifests: new TypeormManifestRecords(dataSource),
      storage,
    });
    projects = new TypeormProjectRecords(dataSource);
    quota = new TypeormQuotaRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function upload(repository: string, bytes: Buffer): Promise<Digest> {
    const digest = digestOf(bytes);
    await registry.uploads.monolithic(repository, digest, Readable.from([bytes]));
    return digest;
  }

  /** Uploads a config and one layer of `layerSize` seeded bytes, then puts the manifest. */
  async function pushImage(
    repository: string,
    reference: string | null,
    label: string,
    layerSize: number,
  ): Promise<Pushed> {
    const config = Buffer.from(JSON.stringify({ label }));
    const layer = seededBytes(`quota:${label}`, layerSize);
    const document = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: {
        mediaType: MediaType.OciConfig,
        digest: await upload(repository, config),
        size: config.length,
      },
      layers: [
        { mediaType: MediaType.OciLayerTarGzip, digest: await upload(repository, layer), size: layerSize },
      ],
    };
    const bytes = Buffer.from(JSON.stringify(document));
    const digest = digestOf(bytes);
    await registry.manifests.put(repository, reference ?? digest, bytes, MediaType.OciManifest);
    return { digest, size: config.length + layerSize + bytes.length };
  }

  async function expectExactUsage(project: string): Promise<number> {
    const used = await quota.usedBytes(project);
    expect({ project, used }).toEqual({ project, used: await quota.recount(project) });
    return used;
  }

  it('refuses a push over the limit with DENIED and the figures; deleting frees it at once', async () => {
    await projects.create({ name: 'capped', public: false, storageLimitBytes: 30_000 });
    const first = await pushImage('capped/app', 'one', 'capped-one', 20_000);
    expect(await expectExactUsage('capped')).toBe(first.size);

    const refused = await rejection(pushImage('capped/app', 'two', 'capped-two', 15_000));
    expect(refused).toMatchObject({ code: 'DENIED', status: 403 });
    expect(refused.message).toMatch(
      new RegExp(`^storage quota exceeded: project capped uses ${first.size} bytes .* of its 30000 bytes`),
    );
    expect(refused.detail).toEqual({
      project: 'capped',
      storageLimitBytes: 30_000,
      storageUsedBytes: first.size,
      requiredBytes: expect.any(Number),
    });
    expect((refused.detail as { requiredBytes: number }).requiredBytes).toBeGreaterThan(15_000);
    expect(await expectExactUsage('capped')).toBe(first.size);
    await expect(registry.manifests.get('capped/app', 'two')).rejects.toMatchObject({
      code: 'MANIFEST_UNKNOWN',
    });

    // The v2 DELETE frees the bytes in its own transaction: no garbage collection needed.
    await registry.manifests.delete('capped/app', first.digest);
    expect(await expectExactUsage('capped')).toBe(0);
    const second = await pushImage('capped/app', 'two', 'capped-two', 15_000);
    expect(await expectExactUsage('capped')).toBe(second.size);
  });

  it('8 concurrent pushes into a project that fits some: no overshoot, usage exact', async () => {
    const limit = 100_000;
    await projects.create({ name: 'crowd', public: false, storageLimitBytes: limit });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => pushImage(`crowd/app-${i % 3}`, 'v1', `crowd-${i}`, 30_000)),
    );
    const stored = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const refused = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    // 30 000 bytes and a bit each: three fit, and all three must have been let through.
    expect(stored).toHaveLength(3);
    for (const reason of refused) expect(reason).toMatchObject({ code: 'DENIED', status: 403 });
    const used = await expectExactUsage('crowd');
    expect(used).toBeLessThanOrEqual(limit);
    expect(used).toBe(stored.reduce((sum, image) => sum + image.size, 0));
  });

  it('concurrent pushes and deletions keep usage equal to a recount', async () => {
    await projects.create({ name: 'churn', public: false });
    const initial = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pushImage(`churn/app-${i % 2}`, `old-${i}`, `churn-old-${i}`, 5_000),
      ),
    );
    await Promise.all([
      ...initial.map((image, i) => registry.manifests.delete(`churn/app-${i % 2}`, image.digest)),
      ...Array.from({ length: 6 }, (_, i) =>
        pushImage(`churn/app-${i % 3}`, `new-${i}`, `churn-new-${i}`, 5_000),
      ),
      // The same content as a deleted image, into another repository, while it is deleted.
      pushImage('churn/app-9', 'same', 'churn-old-0', 5_000),
    ]);
    const used = await expectExactUsage('churn');
    expect(used).toBeGreaterThan(7 * 5_000);
    expect(used).toBeLessThan(8 * 5_000);
  });

  it('deleting a repository or its project content frees its usage', async () => {
    await projects.create({ name: 'wiped', public: false });
    const kept = await pushImage('wiped/keep', 'v1', 'wiped-keep', 4_000);
    await pushImage('wiped/gone', 'v1', 'wiped-gone', 8_000);
    await dataSource.query(`DELETE FROM repositories WHERE name = 'wiped/gone'`);
    expect(await expectExactUsage('wiped')).toBe(kept.size);
    await new TypeormRepositoryRecords(dataSource).deleteByProject('wiped');
    expect(await expectExactUsage('wiped')).toBe(0);
  });

  it('garbage collection frees the usage of the untagged manifests it deletes', async () => {
    await projects.create({ name: 'collected', public: false });
    const tagged = await pushImage('collected/app', 'v1', 'collected-tagged', 3_000);
    const untagged = await pushImage('collected/app', null, 'collected-untagged', 9_000);
    expect(await expectExactUsage('collected')).toBe(tagged.size + untagged.size);
    // Manifests first, then blobs: usage drops with the manifest, whatever happens to the bytes.
    const report = await collectGarbage(
      { gc: new TypeormGcRecords(dataSource), storage },
      { dryRun: false, deleteUntagged: true, graceSeconds: 0, now: new Date(Date.now() + 60_000) },
    );
    expect(report.manifestsDeleted).toBeGreaterThanOrEqual(1);
    expect(await expectExactUsage('collected')).toBe(tagged.size);
  });
});
