import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
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
import { digestOf, RegistryError } from '@berth/oci';
import {
  FilesystemDriver,
  InMemoryDriver,
  uploadDataPath,
  uploadDir,
  type StorageDriver,
} from '@berth/storage';
import { createTestDatabase, seededBytes, type TestDatabase } from '@berth/testing';
import { Registry } from '../registry.js';
import { purgeUploads } from './purge-uploads.js';

const TWO_HOURS = 2 * 3600;

describe('purgeUploads over PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let uploads: TypeormUploadRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 5 });
    uploads = new TypeormUploadRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query(
      `TRUNCATE repositories, blobs, repository_blobs, manifests, manifest_references, tags, upload_sessions`,
    );
  });

  function registryOn(storage: StorageDriver): Registry {
    return new Registry({
      repositories: new TypeormRepositoryRecords(dataSource),
      blobs: new TypeormBlobRecords(dataSource),
      uploads,
      manifests: new TypeormManifestRecords(dataSource),
      storage,
    });
  }

  async function ageSession(id: string, seconds: number): Promise<void> {
    await dataSource.query(
      `UPDATE upload_sessions SET updated_at = now() - make_interval(secs => $2) WHERE id = $1`,
      [id, seconds],
    );
  }

  async function sessionExists(id: string): Promise<boolean> {
    return (await uploads.existing([id])).length > 0;
  }

  async function rejectionKind(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof RegistryError) return error.kind;
      throw error;
    }
    throw new Error('expected a rejection');
  }

  describe('FilesystemDriver, with real file ages', () => {
    let root: string;
    let storage: FilesystemDriver;
    let registry: Registry;

    beforeEach(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'berth-purge-int-'));
      storage = new FilesystemDriver(root);
      registry = registryOn(storage);
    });

    afterEach(async () => {
      if (root) await rm(root, { recursive: true, force: true });
    });

    async function ageBytes(id: string, seconds: number): Promise<void> {
      const when = new Date(Date.now() - seconds * 1000);
      await utimes(path.join(root, 'uploads', id, 'data'), when, when);
    }

    async function startWith(bytes: Buffer): Promise<string> {
      const { id } = await registry.uploads.start('purge/app');
      if (bytes.length > 0) await registry.uploads.append('purge/app', id, Readable.from([bytes]));
      return id;
    }

    async function orphan(name: string, bytes: Buffer): Promise<void> {
      await storage.putContent(uploadDataPath(name), bytes);
    }

    const exists = (target: string) =>
      storage.stat(target).then(
        () => true,
        () => false,
      );

    it('purges idle sessions with their bytes and old orphan directories, and nothing in use', async () => {
      const idle = await startWith(seededBytes('idle', 5000));
      await ageSession(idle, TWO_HOURS);
      await ageBytes(idle, TWO_HOURS);
      const fresh = await startWith(seededBytes('fresh', 100));
      const streaming = await startWith(seededBytes('streaming', 700));
      await ageSession(streaming, TWO_HOURS); // its chunk is still arriving: bytes are fresh
      const bytesGone = await startWith(Buffer.alloc(0));
      await ageSession(bytesGone, TWO_HOURS);
      await storage.delete(uploadDir(bytesGone));
      const crashed = randomUUID();
      await orphan(crashed, seededBytes('crashed monolithic', 3000));
      await ageBytes(crashed, TWO_HOURS);
      await orphan('not-a-uuid-1', seededBytes('foreign', 11));
      await ageBytes('not-a-uuid-1', TWO_HOURS);
      const inFlight = randomUUID();
      await orphan(inFlight, seededBytes('monolithic in flight', 400));
      const lines: string[] = [];

      const report = await purgeUploads(
        { uploads, storage },
        { maxAgeSeconds: 3600, batchSize: 1 },
        { log: (line) => lines.push(line) },
      );

      expect(report).toEqual({ sessionsPurged: 2, orphansPurged: 2, bytesFreed: 5000 + 3000 + 11 });
      expect(await sessionExists(idle)).toBe(false);
      expect(await sessionExists(bytesGone)).toBe(false);
      expect(await exists(uploadDir(idle))).toBe(false);
      expect(await exists(uploadDir(crashed))).toBe(false);
      expect(await exists(uploadDir('not-a-uuid-1'))).toBe(false);
      expect(await exists(uploadDir(inFlight))).toBe(true);
      expect(lines).toContain(`upload session still receiving id=${streaming}`);
      expect(await rejectionKind(registry.uploads.status('purge/app', idle))).toBe('BLOB_UPLOAD_UNKNOWN');

      // What was spared still works: the fresh and the streaming sessions complete.
      for (const [id, seed, size] of [
        [fresh, 'fresh', 100],
        [streaming, 'streaming', 700],
      ] as const) {
        const bytes = seededBytes(seed, size);
        expect(await registry.uploads.complete('purge/app', id, digestOf(bytes))).toEqual({
          digest: digestOf(bytes),
          size,
        });
      }
      expect(await purgeUploads({ uploads, storage }, { maxAgeSeconds: 3600 })).toEqual({
        sessionsPurged: 0,
        orphansPurged: 0,
        bytesFreed: 0,
      });
    });

    it('does nothing when no upload was ever made', async () => {
      expect(await purgeUploads({ uploads, storage }, { maxAgeSeconds: 0 })).toEqual({
        sessionsPurged: 0,
        orphansPurged: 0,
        bytesFreed: 0,
      });
    });
  });

  describe('InMemoryDriver', () => {
    it('purges everything idle for longer than the age, sessions and orphans alike', async () => {
      const storage = new InMemoryDriver();
      const registry = registryOn(storage);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { id } = await registry.uploads.start('purge/mem');
        await registry.uploads.append('purge/mem', id, Readable.from([seededBytes(`mem ${i}`, 100)]));
        ids.push(id);
      }
      await storage.putContent(uploadDataPath(randomUUID()), seededBytes('orphan', 50));

      const report = await purgeUploads(
        { uploads, storage },
        { maxAgeSeconds: 3600, now: new Date(Date.now() + 86_400_000), batchSize: 2 },
      );

      expect(report).toEqual({ sessionsPurged: 3, orphansPurged: 1, bytesFreed: 350 });
      expect(await storage.list('/')).toEqual([]);
      for (const id of ids) {
        expect(await rejectionKind(registry.uploads.status('purge/mem', id))).toBe('BLOB_UPLOAD_UNKNOWN');
      }
    });

    it('refuses a negative age', async () => {
      await expect(
        purgeUploads({ uploads, storage: new InMemoryDriver() }, { maxAgeSeconds: -1 }),
      ).rejects.toThrow(RangeError);
    });
  });
});
