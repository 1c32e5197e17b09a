import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  openDatabase,
  TypeormBlobRecords,
  TypeormManifestRecords,
  TypeormRepositoryRecords,
  TypeormUploadRecords,
  type DataSource,
} from '@berth/db';
import { digestOf, MediaType, RegistryError } from '@berth/oci';
import { FilesystemDriver, InMemoryDriver, type StorageDriver } from '@berth/storage';
import { createTestDatabase, seededBytes, type TestDatabase } from '@berth/testing';
import { Registry } from './registry.js';

/**
 * Two api replicas: each its own `Registry` (so its own in-process hash cache) and its own
 * connection pool, sharing one database and one storage backend.
 */
function registryOn(dataSource: DataSource, storage: StorageDriver): Registry {
  return new Registry({
    repositories: new TypeormRepositoryRecords(dataSource),
    blobs: new TypeormBlobRecords(dataSource),
    uploads: new TypeormUploadRecords(dataSource),
    manifests: new TypeormManifestRecords(dataSource),
    storage,
  });
}

const body = (...chunks: Buffer[]): Readable => Readable.from(chunks, { objectMode: false });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
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

const DRIVERS: { name: string; create(): Promise<{ storage: StorageDriver; cleanup(): Promise<void> }> }[] = [
  {
    name: 'InMemoryDriver',
    create: () => Promise.resolve({ storage: new InMemoryDriver(), cleanup: () => Promise.resolve() }),
  },
  {
    name: 'FilesystemDriver',
    async create() {
      const root = await mkdtemp(path.join(tmpdir(), 'berth-replicas-int-'));
      return {
        storage: new FilesystemDriver(root),
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
];

describe.each(DRIVERS)('Registry replicas sharing PostgreSQL and $name', (driver) => {
  let database: TestDatabase;
  let dataSourceA: DataSource;
  let dataSourceB: DataSource;
  let cleanup: () => Promise<void>;
  let a: Registry;
  let b: Registry;
  const content = (label: string, size: number) => seededBytes(`replicas:${driver.name}:${label}`, size);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSourceA = await openDatabase({ url: database.url, poolSize: 10 });
    dataSourceB = await openDatabase({ url: database.url, poolSize: 10 });
    const created = await driver.create();
    cleanup = created.cleanup;
    a = registryOn(dataSourceA, created.storage);
    b = registryOn(dataSourceB, created.storage);
  });

  afterAll(async () => {
    await dataSourceA?.destroy();
    await dataSourceB?.destroy();
    await database?.drop();
    await cleanup?.();
  });

  async function expectBlob(registry: Registry, repository: string, bytes: Buffer): Promise<void> {
    const digest = digestOf(bytes);
    const blob = await registry.blobs.read(repository, digest);
    expect(blob.size).toBe(bytes.length);
    expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
  }

  it('A starts and takes the first chunk, B the second, A completes (A’s hash is stale)', async () => {
    const bytes = content('abA', 60_000);
    const digest = digestOf(bytes);
    const { id } = await a.uploads.start('rep/aba');
    await a.uploads.append('rep/aba', id, body(bytes.subarray(0, 25_000)), { start: 0, end: 24_999 });
    expect(await b.uploads.status('rep/aba', id)).toEqual({ id, size: 25_000 });
    await b.uploads.append('rep/aba', id, body(bytes.subarray(25_000)), { start: 25_000, end: 59_999 });
    expect(await a.uploads.status('rep/aba', id)).toEqual({ id, size: 60_000 });
    expect(await a.uploads.complete('rep/aba', id, digest)).toEqual({ digest, size: 60_000 });
    await expectBlob(a, 'rep/aba', bytes);
    await expectBlob(b, 'rep/aba', bytes);
  });

  it('A receives every chunk, B completes (B has no hash at all)', async () => {
    const bytes = content('aaB', 40_000);
    const digest = digestOf(bytes);
    const { id } = await a.uploads.start('rep/aab');
    await a.uploads.append('rep/aab', id, body(bytes.subarray(0, 10_000)), { start: 0, end: 9999 });
    await a.uploads.append('rep/aab', id, body(bytes.subarray(10_000)), { start: 10_000, end: 39_999 });
    expect(await b.uploads.complete('rep/aab', id, digest)).toEqual({ digest, size: 40_000 });
    await expectBlob(b, 'rep/aab', bytes);
  });

  it('A starts, B takes the first chunk, A the second, B completes with a final chunk', async () => {
    const bytes = content('abab', 30_000);
    const digest = digestOf(bytes);
    const { id } = await a.uploads.start('rep/abab');
    await b.uploads.append('rep/abab', id, body(bytes.subarray(0, 10_000)), { start: 0, end: 9999 });
    await a.uploads.append('rep/abab', id, body(bytes.subarray(10_000, 20_000)), {
      start: 10_000,
      end: 19_999,
    });
    expect(await b.uploads.complete('rep/abab', id, digest, body(bytes.subarray(20_000)))).toEqual({
      digest,
      size: 30_000,
    });
    await expectBlob(a, 'rep/abab', bytes);
  });

  it('chunks alternate A, B, A, B and A completes', async () => {
    const bytes = content('alternate', 50_000);
    const digest = digestOf(bytes);
    const { id } = await b.uploads.start('rep/alternate');
    for (let i = 0; i < 5; i++) {
      const replica = i % 2 === 0 ? a : b;
      await replica.uploads.append('rep/alternate', id, body(bytes.subarray(i * 10_000, (i + 1) * 10_000)), {
        start: i * 10_000,
        end: (i + 1) * 10_000 - 1,
      });
    }
    expect(await a.uploads.complete('rep/alternate', id, digest)).toEqual({ digest, size: 50_000 });
    await expectBlob(b, 'rep/alternate', bytes);
  });

  it('A returns to an upload after B appended, appends more and completes', async () => {
    const bytes = content('return', 30_000);
    const digest = digestOf(bytes);
    const { id } = await a.uploads.start('rep/return');
    await a.uploads.append('rep/return', id, body(bytes.subarray(0, 10_000)));
    await b.uploads.append('rep/return', id, body(bytes.subarray(10_000, 20_000)));
    await a.uploads.append('rep/return', id, body(bytes.subarray(20_000)));
    expect(await a.uploads.complete('rep/return', id, digest)).toEqual({ digest, size: 30_000 });
    await expectBlob(a, 'rep/return', bytes);
  });

  it('an empty chunk on B does not invalidate A’s hash', async () => {
    const bytes = content('empty-chunk', 9000);
    const digest = digestOf(bytes);
    const { id } = await a.uploads.start('rep/empty-chunk');
    await a.uploads.append('rep/empty-chunk', id, body(bytes.subarray(0, 4000)));
    await b.uploads.append('rep/empty-chunk', id, body());
    await a.uploads.append('rep/empty-chunk', id, body(bytes.subarray(4000)));
    expect(await a.uploads.complete('rep/empty-chunk', id, digest)).toEqual({ digest, size: 9000 });
  });

  it('a sha512 upload continued on another replica verifies', async () => {
    const bytes = content('sha512', 20_000);
    const digest = digestOf(bytes, 'sha512');
    const { id } = await a.uploads.start('rep/sha512');
    await a.uploads.append('rep/sha512', id, body(bytes.subarray(0, 7000)));
    await b.uploads.append('rep/sha512', id, body(bytes.subarray(7000)));
    expect(await a.uploads.complete('rep/sha512', id, digest)).toEqual({ digest, size: 20_000 });
    expect(await b.blobs.stat('rep/sha512', digest)).toEqual({ digest, size: 20_000 });
  });

  it('a wrong digest on B forgets the session on A too', async () => {
    const bytes = content('wrong', 5000);
    const { id } = await a.uploads.start('rep/wrong');
    await a.uploads.append('rep/wrong', id, body(bytes));
    expect((await rejection(b.uploads.complete('rep/wrong', id, digestOf('other')))).kind).toBe(
      'DIGEST_INVALID',
    );
    expect((await rejection(a.uploads.status('rep/wrong', id))).kind).toBe('BLOB_UPLOAD_UNKNOWN');
    expect((await rejection(a.uploads.complete('rep/wrong', id, digestOf(bytes)))).kind).toBe(
      'BLOB_UPLOAD_UNKNOWN',
    );
  });

  it('an out-of-order chunk on B reports the size A wrote', async () => {
    const bytes = content('ooo', 3000);
    const { id } = await a.uploads.start('rep/ooo');
    await a.uploads.append('rep/ooo', id, body(bytes.subarray(0, 1000)), { start: 0, end: 999 });
    const error = await rejection(
      b.uploads.append('rep/ooo', id, body(bytes.subarray(2000)), { start: 2000, end: 2999 }),
    );
    expect(error.kind).toBe('RANGE_NOT_SATISFIABLE');
    expect(error.headers.Range).toBe('0-999');
  });

  it('a cancel on B ends the upload for A', async () => {
    const { id } = await a.uploads.start('rep/cancel');
    await a.uploads.append('rep/cancel', id, body(content('cancel', 100)));
    await b.uploads.cancel('rep/cancel', id);
    expect((await rejection(a.uploads.append('rep/cancel', id, body(content('more', 100))))).kind).toBe(
      'BLOB_UPLOAD_UNKNOWN',
    );
  });

  it('a manifest pushed through A over blobs uploaded through B is served by both', async () => {
    const config = Buffer.from('{"replicas":true}');
    const layer = content('manifest-layer', 2048);
    await b.uploads.monolithic('rep/manifest', digestOf(config), body(config));
    const { id } = await b.uploads.start('rep/manifest');
    await b.uploads.append('rep/manifest', id, body(layer.subarray(0, 1024)));
    await a.uploads.append('rep/manifest', id, body(layer.subarray(1024)));
    await b.uploads.complete('rep/manifest', id, digestOf(layer));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: digestOf(config), size: config.length },
        layers: [{ mediaType: MediaType.OciLayerTarGzip, digest: digestOf(layer), size: layer.length }],
      }),
    );
    await a.manifests.put('rep/manifest', 'v1', manifest, MediaType.OciManifest);
    expect((await b.manifests.get('rep/manifest', 'v1')).payload.equals(manifest)).toBe(true);
    expect((await b.listings.tags('rep/manifest', { limit: 10, explicit: true })).entries).toEqual(['v1']);
  });
});
