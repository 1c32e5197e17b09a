import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  openDatabase,
  TypeormBlobRecords,
  TypeormGcRecords,
  TypeormManifestRecords,
  TypeormRepositoryRecords,
  TypeormUploadRecords,
  type CollectableBlob,
  type DataSource,
  type UnreachableManifest,
} from '@berth/db';
import { digestOf, MediaType, RegistryError, type Descriptor, type Digest } from '@berth/oci';
import { blobDataPath, FilesystemDriver, type StorageDriver } from '@berth/storage';
import { createTestDatabase, seededBytes, type TestDatabase } from '@berth/testing';
import { Registry } from '../registry.js';
import { collectGarbage } from './collect-garbage.js';

/**
 * The interleavings the safety argument of `GcRecords` is about, forced one at a time: a push
 * that lands between GC's listing and its locked re-check, and pushes and uploads that arrive
 * while GC holds a blob's row lock and is deleting its bytes.
 */
type Hook = () => Promise<void>;

/** The real database side, with a hook after each listing (once) and inside each byte deletion. */
class InterleavedGcRecords extends TypeormGcRecords {
  afterManifestListing: Hook | undefined;
  afterBlobListing: Hook | undefined;

  override async unreachableManifests(cutoff: Date, afterId: string | null, limit: number) {
    const page: UnreachableManifest[] = await super.unreachableManifests(cutoff, afterId, limit);
    await this.take('afterManifestListing')?.();
    return page;
  }

  override async unreferencedBlobs(
    cutoff: Date,
    afterDigest: string | null,
    limit: number,
    assumeDeleted?: readonly string[],
  ) {
    const page: CollectableBlob[] = await super.unreferencedBlobs(cutoff, afterDigest, limit, assumeDeleted);
    await this.take('afterBlobListing')?.();
    return page;
  }

  private take(name: 'afterManifestListing' | 'afterBlobListing'): Hook | undefined {
    const hook = this[name];
    this[name] = undefined;
    return hook;
  }
}

const json = (document: unknown): Buffer => Buffer.from(JSON.stringify(document));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof RegistryError) return error.kind;
    throw error;
  }
}

describe('collectGarbage against interleaved pushes (PostgreSQL + FilesystemDriver)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let root: string;
  let storage: StorageDriver;
  let registry: Registry;
  let gc: InterleavedGcRecords;
  /** Runs inside GC's byte deletion, while the blob's row lock is held. */
  let duringDelete: Hook | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query(
      `TRUNCATE repositories, blobs, repository_blobs, manifests, manifest_references, tags, upload_sessions`,
    );
    root = await mkdtemp(path.join(tmpdir(), 'berth-gc-races-'));
    storage = new FilesystemDriver(root);
    registry = new Registry({
      repositories: new TypeormRepositoryRecords(dataSource),
      blobs: new TypeormBlobRecords(dataSource),
      uploads: new TypeormUploadRecords(dataSource),
      manifests: new TypeormManifestRecords(dataSource),
      storage,
    });
    gc = new InterleavedGcRecords(dataSource);
    duringDelete = undefined;
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function runGc() {
    await sleep(5);
    const gcStorage: StorageDriver = new Proxy(storage, {
      get(target, property) {
        if (property === 'delete') {
          return async (where: string) => {
            await target.delete(where);
            const hook = duringDelete;
            duringDelete = undefined;
            await hook?.();
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return collectGarbage(
      { gc, storage: gcStorage },
      { dryRun: false, deleteUntagged: true, graceSeconds: 0 },
    );
  }

  async function upload(repository: string, bytes: Buffer): Promise<Digest> {
    const digest = digestOf(bytes);
    await registry.uploads.monolithic(repository, digest, Readable.from([bytes]));
    return digest;
  }

  function imageOf(config: Buffer, layer: Buffer): { bytes: Buffer; descriptor: Descriptor } {
    const bytes = json({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: MediaType.OciLayerTarGzip, digest: digestOf(layer), size: layer.length }],
    });
    return {
      bytes,
      descriptor: { mediaType: MediaType.OciManifest, digest: digestOf(bytes), size: bytes.length },
    };
  }

  async function expectPullable(repository: string, reference: string, blobs: Buffer[]): Promise<void> {
    await registry.manifests.get(repository, reference);
    for (const bytes of blobs) {
      const blob = await registry.blobs.read(repository, digestOf(bytes));
      expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
    }
  }

  it('a push that commits between the blob listing and the locked re-check keeps its blobs', async () => {
    const config = seededBytes('late config', 500);
    const layer = seededBytes('late layer', 4000);
    await upload('race/late', config);
    await upload('race/late', layer);
    const image = imageOf(config, layer);
    gc.afterBlobListing = async () => {
      await registry.manifests.put('race/late', 'v1', image.bytes, MediaType.OciManifest);
    };

    const report = await runGc();

    expect(report.blobsDeleted).toBe(0);
    await expectPullable('race/late', 'v1', [config, layer]);
  });

  it('a tag that lands between the manifest listing and the deletion keeps the manifest and its blobs', async () => {
    const config = seededBytes('retag config', 500);
    const layer = seededBytes('retag layer', 4000);
    await upload('race/retag', config);
    await upload('race/retag', layer);
    const image = imageOf(config, layer);
    await registry.manifests.put('race/retag', image.descriptor.digest, image.bytes, MediaType.OciManifest);
    gc.afterManifestListing = async () => {
      await registry.manifests.put('race/retag', 'v1', image.bytes, MediaType.OciManifest);
    };

    const report = await runGc();

    expect(report).toMatchObject({ manifestsDeleted: 0, blobsDeleted: 0 });
    await expectPullable('race/retag', 'v1', [config, layer]);
  });

  it('an index that lands between the manifest listing and the deletion keeps its child', async () => {
    const config = seededBytes('child config', 500);
    const layer = seededBytes('child layer', 4000);
    await upload('race/index', config);
    await upload('race/index', layer);
    const child = imageOf(config, layer);
    await registry.manifests.put('race/index', child.descriptor.digest, child.bytes, MediaType.OciManifest);
    const index = json({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [child.descriptor] });
    gc.afterManifestListing = async () => {
      await registry.manifests.put('race/index', 'v1', index, MediaType.OciIndex);
    };

    const report = await runGc();

    expect(report).toMatchObject({ manifestsDeleted: 0, blobsDeleted: 0 });
    await expectPullable('race/index', 'v1', []);
    await expectPullable('race/index', child.descriptor.digest, [config, layer]);
  });

  it('a push waiting on the row lock while bytes are deleted fails with MANIFEST_BLOB_UNKNOWN', async () => {
    const config = seededBytes('doomed config', 500);
    const layer = seededBytes('doomed layer', 4000);
    await upload('race/doomed', config);
    await upload('race/doomed', layer);
    const image = imageOf(config, layer);
    let push: Promise<string> | undefined;
    duringDelete = async () => {
      push = outcome(registry.manifests.put('race/doomed', 'v1', image.bytes, MediaType.OciManifest));
      await sleep(100); // the push reaches the row lock and waits there
    };

    const report = await runGc();

    expect(report.blobsDeleted).toBe(2);
    expect(await push).toBe('MANIFEST_BLOB_UNKNOWN');
    // As a client does: upload again, push again.
    await upload('race/doomed', config);
    await upload('race/doomed', layer);
    await registry.manifests.put('race/doomed', 'v1', image.bytes, MediaType.OciManifest);
    await expectPullable('race/doomed', 'v1', [config, layer]);
  });

  it('a re-upload waiting on the row lock while bytes are deleted puts the bytes back', async () => {
    const bytes = seededBytes('uploaded again', 6000);
    const digest = await upload('race/reupload', bytes);
    let again: Promise<string> | undefined;
    duringDelete = async () => {
      again = outcome(upload('race/reupload', bytes));
      await sleep(100);
    };

    const report = await runGc();

    expect(report.blobs).toEqual([{ digest, size: 6000 }]);
    expect(await again).toBe('ok');
    expect((await storage.stat(blobDataPath(digest))).size).toBe(6000);
    const config = seededBytes('reupload config', 300);
    await upload('race/reupload', config);
    await registry.manifests.put('race/reupload', 'v1', imageOf(config, bytes).bytes, MediaType.OciManifest);
    await expectPullable('race/reupload', 'v1', [config, bytes]);
  });

  it('a mount waiting on the row lock while bytes are deleted finds nothing to mount', async () => {
    const bytes = seededBytes('mounted late', 3000);
    const digest = await upload('race/source', bytes);
    let mounted: Promise<unknown> | undefined;
    duringDelete = async () => {
      mounted = registry.blobs.mount('race/target', digest, 'race/source');
      await sleep(100);
    };

    await runGc();

    // The mount found the row before GC committed, then waited on the lock and found it gone.
    expect(await mounted).toBeUndefined();
    expect(await outcome(registry.blobs.stat('race/target', digest))).toBe('BLOB_UNKNOWN');
  });
});
