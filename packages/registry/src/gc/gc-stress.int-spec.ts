import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomInt } from 'node:crypto';
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
import { digestOf, MediaType, parseManifest, RegistryError, type Descriptor, type Digest } from '@berth/oci';
import { blobDataPath, blobsRoot, FilesystemDriver, type StorageDriver } from '@berth/storage';
import { createTestDatabase, seededBytes, type TestDatabase } from '@berth/testing';
import { Registry } from '../registry.js';
import { collectGarbage } from './collect-garbage.js';

/**
 * Online GC under fire: several replicas (each its own `Registry`, connection pool and driver
 * over one storage root) push images that share layers, move and delete tags, while
 * `collectGarbage` with a grace window of 0 runs in a loop. Every image a client has tagged must
 * pull completely at every moment; afterwards, and after a final GC, exactly the referenced
 * content is left, in the database and in storage.
 */
const SECONDS = Number(process.env.BERTH_GC_STRESS_SECONDS ?? 10);
const CLIENTS = 4;
const REPOSITORIES = ['stress/alpha', 'stress/beta'];
const POOL = Array.from({ length: 12 }, (_, i) =>
  seededBytes(`stress pool layer ${i}`, 1024 * (4 + (i % 5) * 3)),
);
const MAX_ATTEMPTS = 50;

interface Image {
  repository: string;
  digest: Digest;
  bytes: Buffer;
  mediaType: string;
  descriptor: Descriptor;
}

const stats = {
  imagePushes: 0,
  indexPushes: 0,
  referrerPushes: 0,
  uploads: 0,
  uploadsSkipped: 0,
  mounts: 0,
  untags: 0,
  deletes: 0,
  pullChecks: 0,
  blobUnknownRetries: 0,
  childUnknownRetries: 0,
  gcRuns: 0,
  gcRunsDeletingUntagged: 0,
  gcLongestRunMs: 0,
  gcManifestsDeleted: 0,
  gcBlobsDeleted: 0,
};

/** Every byte string any client pushed, by digest: the truth pulls are compared with. */
const contents = new Map<string, Buffer>();
/** A client's round trip between its last upload and its manifest push. */
const pause = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, randomInt(maxMs + 1)));
const networkLatency = () => pause(3);
const json = (document: unknown): Buffer => Buffer.from(JSON.stringify(document));
const oneOf = <T>(values: readonly T[]): T => values[randomInt(values.length)]!;
const anyOf = <T>(values: readonly T[]): T | undefined => (values.length === 0 ? undefined : oneOf(values));

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function registryOn(dataSource: DataSource, storage: StorageDriver): Registry {
  return new Registry({
    repositories: new TypeormRepositoryRecords(dataSource),
    blobs: new TypeormBlobRecords(dataSource),
    uploads: new TypeormUploadRecords(dataSource),
    manifests: new TypeormManifestRecords(dataSource),
    storage,
  });
}

/** A manifest and everything below it pulls, byte-exact (children and blobs, recursively). */
async function pullCompletely(registry: Registry, repository: string, reference: string): Promise<void> {
  const record = await registry.manifests.get(repository, reference);
  const manifest = parseManifest(record.payload, record.mediaType);
  for (const ref of manifest.references) {
    if (ref.kind === 'manifest') {
      await pullCompletely(registry, repository, ref.digest);
      continue;
    }
    const blob = await registry.blobs.read(repository, ref.digest);
    const bytes = await readAll(await blob.open());
    if (digestOf(bytes) !== ref.digest || !bytes.equals(contents.get(ref.digest)!)) {
      throw new Error(`blob ${ref.digest} of ${repository}@${reference} is not byte-exact`);
    }
  }
}

/** One replica's client: pushes as real clients do, retrying on MANIFEST_BLOB_UNKNOWN. */
class Client {
  private counter = 0;
  /** Tags only this client moves, and the manifest each must pull as. */
  readonly tagged = new Map<string, Image>();

  constructor(
    private readonly id: number,
    private readonly registry: Registry,
  ) {}

  async run(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const roll = randomInt(100);
      if (roll < 55) await this.pushImage(oneOf(REPOSITORIES), this.ownTag());
      else if (roll < 65) await this.pushIndex(oneOf(REPOSITORIES));
      else if (roll < 75) await this.pushReferrer();
      else if (roll < 88) await this.untag();
      else if (roll < 92) await this.deleteUntagged();
      else await this.checkOne();
    }
  }

  private ownTag(): string {
    return `c${this.id}-t${randomInt(4)}`;
  }

  private async pushImage(repository: string, tag: string | null, subject?: Image): Promise<Image> {
    const n = ++this.counter;
    const config = json({ client: this.id, n, architecture: oneOf(['amd64', 'arm64']) });
    const layers = [oneOf(POOL), oneOf(POOL)];
    if (randomInt(3) === 0) layers.push(seededBytes(`client ${this.id} unique ${n}`, 2048));
    const bytes = json({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      ...(subject && { artifactType: 'application/vnd.example.sbom' }),
      config: { mediaType: MediaType.OciConfig, digest: digestOf(config), size: config.length },
      layers: layers.map((layer) => ({
        mediaType: MediaType.OciLayerTarGzip,
        digest: digestOf(layer),
        size: layer.length,
      })),
      ...(subject && { subject: subject.descriptor }),
    });
    const image = await this.putManifest(repository, tag, bytes, MediaType.OciManifest, [config, ...layers]);
    if (subject) stats.referrerPushes++;
    else stats.imagePushes++;
    return image;
  }

  /** Children by digest (untagged, so collectable at once with grace 0), then the tagged index. */
  private async pushIndex(repository: string): Promise<void> {
    const children = [await this.pushImage(repository, null), await this.pushImage(repository, null)];
    const bytes = json({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: children.map((child) => child.descriptor),
    });
    const tag = `c${this.id}-multi`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store(repository, tag, bytes, MediaType.OciIndex);
        stats.indexPushes++;
        return;
      } catch (error) {
        if (!(error instanceof RegistryError) || error.kind !== 'MANIFEST_BLOB_UNKNOWN') throw error;
        if (attempt === MAX_ATTEMPTS) throw error;
        stats.childUnknownRetries++;
        // A child was collected meanwhile: push it again (and whatever blobs it lost with it).
        for (const child of children) {
          const document = parseManifest(child.bytes, child.mediaType);
          const blobs = document.references.map((ref) => contents.get(ref.digest)!);
          await this.putManifest(repository, null, child.bytes, child.mediaType, blobs);
        }
      }
    }
  }

  private async pushReferrer(): Promise<void> {
    const subject = anyOf(
      [...this.tagged.values()].filter((image) => image.mediaType === MediaType.OciManifest),
    );
    if (subject) await this.pushImage(subject.repository, null, subject);
  }

  private async untag(): Promise<void> {
    const key = anyOf([...this.tagged.keys()]);
    if (key === undefined) return;
    const [repository, tag] = key.split(':') as [string, string];
    await this.registry.manifests.delete(repository, tag);
    this.tagged.delete(key);
    stats.untags++;
  }

  /** Deletes an untagged image of ours by digest; GC may have been faster. */
  private async deleteUntagged(): Promise<void> {
    const image = await this.pushImage(oneOf(REPOSITORIES), null);
    try {
      await this.registry.manifests.delete(image.repository, image.digest);
      stats.deletes++;
    } catch (error) {
      if (!(error instanceof RegistryError) || error.kind !== 'MANIFEST_UNKNOWN') throw error;
    }
  }

  async checkOne(): Promise<void> {
    const key = anyOf([...this.tagged.keys()]);
    if (key === undefined) return;
    const [repository, tag] = key.split(':') as [string, string];
    const expected = this.tagged.get(key)!;
    const record = await this.registry.manifests.get(repository, tag);
    if (!record.payload.equals(expected.bytes)) throw new Error(`${key} does not pull as pushed`);
    await pullCompletely(this.registry, repository, tag);
    stats.pullChecks++;
  }

  /** Uploads what HEAD says is missing, pushes, and on MANIFEST_BLOB_UNKNOWN does it again. */
  private async putManifest(
    repository: string,
    tag: string | null,
    bytes: Buffer,
    mediaType: string,
    blobs: Buffer[],
  ): Promise<Image> {
    for (let attempt = 1; ; attempt++) {
      for (const blob of blobs) await this.ensureBlob(repository, blob);
      await networkLatency();
      try {
        return await this.store(repository, tag, bytes, mediaType);
      } catch (error) {
        if (!(error instanceof RegistryError) || error.kind !== 'MANIFEST_BLOB_UNKNOWN') throw error;
        if (attempt === MAX_ATTEMPTS) throw error;
        stats.blobUnknownRetries++;
      }
    }
  }

  private async store(
    repository: string,
    tag: string | null,
    bytes: Buffer,
    mediaType: string,
  ): Promise<Image> {
    const digest = digestOf(bytes);
    await this.registry.manifests.put(repository, tag ?? digest, bytes, mediaType);
    const image: Image = {
      repository,
      digest,
      bytes,
      mediaType,
      descriptor: { mediaType, digest, size: bytes.length },
    };
    if (tag !== null) {
      this.tagged.set(`${repository}:${tag}`, image);
      await pullCompletely(this.registry, repository, tag);
      stats.pullChecks++;
    }
    return image;
  }

  private async ensureBlob(repository: string, bytes: Buffer): Promise<void> {
    const digest = digestOf(bytes);
    contents.set(digest, bytes);
    try {
      await this.registry.blobs.stat(repository, digest);
      stats.uploadsSkipped++;
      return;
    } catch (error) {
      if (!(error instanceof RegistryError) || error.kind !== 'BLOB_UNKNOWN') throw error;
    }
    if (await this.registry.blobs.mount(repository, digest)) {
      stats.mounts++;
      return;
    }
    stats.uploads++;
    if (randomInt(2) === 0) {
      await this.registry.uploads.monolithic(repository, digest, Readable.from([bytes]));
      return;
    }
    const { id } = await this.registry.uploads.start(repository);
    const half = bytes.length >> 1;
    await this.registry.uploads.append(repository, id, Readable.from([bytes.subarray(0, half)]));
    await this.registry.uploads.complete(repository, id, digest, Readable.from([bytes.subarray(half)]));
  }
}

/**
 * The real database side, made slow where it hurts: a pause after each candidate query (pushes
 * land between the listing and the locked re-check) and while bytes are deleted (pushes queue
 * on the row locks). The re-check and the locks must carry the safety, not luck.
 */
class SlowGcRecords extends TypeormGcRecords {
  override async unreachableManifests(cutoff: Date, afterId: string | null, limit: number) {
    const page: UnreachableManifest[] = await super.unreachableManifests(cutoff, afterId, limit);
    await pause(20);
    return page;
  }

  override async unreferencedBlobs(
    cutoff: Date,
    afterDigest: string | null,
    limit: number,
    assumeDeleted?: readonly string[],
  ) {
    const page: CollectableBlob[] = await super.unreferencedBlobs(cutoff, afterDigest, limit, assumeDeleted);
    await pause(20);
    return page;
  }

  override collectBlobs(
    digests: readonly string[],
    cutoff: Date,
    deleteBytes: (digest: string) => Promise<void>,
  ) {
    return super.collectBlobs(digests, cutoff, async (digest) => {
      await deleteBytes(digest);
      await pause(3);
    });
  }
}

/** Digests of every blob directory in storage. */
async function storedBlobDigests(storage: StorageDriver): Promise<Set<string>> {
  const found = new Set<string>();
  const visit = (info: { path: string; isDir: boolean }) => {
    const parts = info.path.split('/'); // ['', 'blobs', algorithm, bucket, hex, ...]
    if (parts.length >= 5) found.add(`${parts[2]}:${parts[4]}`);
  };
  await storage.walk(blobsRoot(), visit).catch((error: unknown) => {
    if ((error as { code?: string }).code !== 'PATH_NOT_FOUND') throw error;
  });
  return found;
}

describe('online GC under concurrent pushes (PostgreSQL + FilesystemDriver)', () => {
  let database: TestDatabase;
  let root: string;
  const dataSources: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    root = await mkdtemp(path.join(tmpdir(), 'berth-gc-stress-'));
  });

  afterAll(async () => {
    for (const dataSource of dataSources) await dataSource.destroy();
    await database?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const open = async (poolSize: number) => {
    const dataSource = await openDatabase({ url: database.url, poolSize });
    dataSources.push(dataSource);
    return dataSource;
  };

  it(
    `loses nothing while GC (grace 0) runs in a loop for ${SECONDS} s`,
    async () => {
      const clients: Client[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        clients.push(new Client(i, registryOn(await open(4), new FilesystemDriver(root))));
      }
      const gcDataSource = await open(2);
      const gcDeps = { gc: new SlowGcRecords(gcDataSource), storage: new FilesystemDriver(root) };
      const deadline = Date.now() + SECONDS * 1000;
      let writing = true;

      // Nearly back to back, as a scheduler under load would run them: every fifth run also
      // deletes untagged manifests; the others are the quick blob-only kind. The short random
      // pause between runs leaves each client's retry a chance: with grace 0 and no gap at all,
      // a loaded machine can keep collecting a layer between its upload and its manifest's
      // push fifty times in a row (a livelock of grace 0, not a loss).
      const collector = (async () => {
        while (writing) {
          const deleteUntagged = stats.gcRuns % 5 === 0;
          const report = await collectGarbage(gcDeps, {
            dryRun: false,
            deleteUntagged,
            graceSeconds: 0,
            batchSize: 25,
          });
          stats.gcRuns++;
          if (deleteUntagged) stats.gcRunsDeletingUntagged++;
          stats.gcLongestRunMs = Math.max(stats.gcLongestRunMs, report.durationMs);
          stats.gcManifestsDeleted += report.manifestsDeleted;
          stats.gcBlobsDeleted += report.blobsDeleted;
          await pause(20);
        }
      })();
      try {
        await Promise.all(clients.map((client) => client.run(deadline)));
      } finally {
        writing = false;
        await collector;
      }

      // Writers have stopped: one more run leaves exactly what is referenced.
      const last = await collectGarbage(gcDeps, { dryRun: false, deleteUntagged: true, graceSeconds: 0 });
      const verifier = registryOn(gcDataSource, gcDeps.storage);
      console.log(
        `gc stress: ${JSON.stringify({ seconds: SECONDS, clients: CLIENTS, ...stats, finalRun: { manifests: last.manifestsDeleted, blobs: last.blobsDeleted } })}`,
      );

      // Every image a client tagged pulls as pushed, completely.
      for (const client of clients) for (let i = 0; i < 3; i++) await client.checkOne();
      for (const client of clients) {
        for (const [key, image] of client.tagged) {
          const [repository, tag] = key.split(':') as [string, string];
          expect((await verifier.manifests.get(repository, tag)).digest).toBe(image.digest);
          await pullCompletely(verifier, repository, tag);
        }
      }
      // Every manifest left is reachable, and pulls completely (children, referrers included).
      const manifests: { repository: string; digest: string }[] = await gcDataSource.query(
        `SELECT r.name AS repository, m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id`,
      );
      expect(await gcDeps.gc.unreachableManifests(new Date(), null, 10)).toEqual([]);
      for (const { repository, digest } of manifests) await pullCompletely(verifier, repository, digest);
      // Every blob row is referenced and has its bytes; storage holds nothing else.
      const unreferenced: unknown[] = await gcDataSource.query(
        `SELECT digest FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.digest = b.digest)`,
      );
      expect(unreferenced).toEqual([]);
      const rows: { digest: string; size: string }[] = await gcDataSource.query(
        `SELECT digest, size FROM blobs`,
      );
      for (const row of rows) {
        expect((await gcDeps.storage.stat(blobDataPath(row.digest))).size).toBe(Number(row.size));
      }
      expect([...(await storedBlobDigests(gcDeps.storage))].sort()).toEqual(
        rows.map((row) => row.digest).sort(),
      );
      expect(stats.gcRuns).toBeGreaterThan(1);
      expect(stats.imagePushes).toBeGreaterThan(CLIENTS);
    },
    SECONDS * 1000 + 120_000,
  );
});
