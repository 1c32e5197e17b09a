import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import {
  openDatabase,
  TypeormArtifactCatalog,
  TypeormBlobRecords,
  TypeormManifestRecords,
  TypeormProjectRecords,
  TypeormRepositoryCatalog,
  TypeormRepositoryRecords,
  TypeormUploadRecords,
  type DataSource,
} from '@berth/db';
import { digestOf, MediaType, RegistryError, type Descriptor } from '@berth/oci';
import { InMemoryDriver } from '@berth/storage';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import { Registry } from '../registry.js';
import { ArtifactOperations, TagExistsError } from './artifact-operations.js';

let database: TestDatabase;
let db: DataSource;
let registry: Registry;
let operations: ArtifactOperations;
let artifacts: TypeormArtifactCatalog;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url, poolSize: 5 });
  registry = new Registry({
    repositories: new TypeormRepositoryRecords(db),
    blobs: new TypeormBlobRecords(db),
    uploads: new TypeormUploadRecords(db),
    manifests: new TypeormManifestRecords(db),
    storage: new InMemoryDriver(),
  });
  artifacts = new TypeormArtifactCatalog(db);
  operations = new ArtifactOperations(registry, artifacts, new TypeormRepositoryCatalog(db));
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

const json = (document: unknown) => Buffer.from(JSON.stringify(document));

async function blob(repository: string, content: string, mediaType: string): Promise<Descriptor> {
  const bytes = Buffer.from(content);
  const digest = digestOf(bytes);
  await registry.uploads.monolithic(repository, digest, Readable.from([bytes]));
  return { mediaType, digest, size: bytes.length };
}

async function image(
  repository: string,
  label: string,
  extra: Record<string, unknown> = {},
  tags: string[] = [],
) {
  const config = await blob(repository, `{"os":"linux","architecture":"${label}"}`, MediaType.OciConfig);
  const layer = await blob(repository, `layer of ${label}`, MediaType.OciLayerTarGzip);
  const bytes = json({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config,
    layers: [layer],
    ...extra,
  });
  const result = await registry.manifests.put(
    repository,
    digestOf(bytes),
    bytes,
    MediaType.OciManifest,
    tags,
  );
  return {
    digest: result.digest,
    descriptor: { mediaType: MediaType.OciManifest, digest: result.digest, size: bytes.length },
    blobs: [config, layer],
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const tagsOf = async (repository: string) =>
  (await registry.listings.tags(repository, { limit: 100, explicit: true })).entries;

describe('ArtifactOperations', () => {
  it('copies an index with its children and accessories by mounting, and tags it like the source', async () => {
    const amd = await image('src/app', 'amd64');
    const arm = await image('src/app', 'arm64');
    const indexBytes = json({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [amd.descriptor, arm.descriptor],
    });
    const index = await registry.manifests.put('src/app', 'v1', indexBytes, MediaType.OciIndex);
    const signature = await image('src/app', 'sig', {
      subject: { mediaType: MediaType.OciIndex, digest: index.digest, size: indexBytes.length },
    });

    const copied = await operations.copy('src/app', 'v1', 'dst/mirror');
    expect(copied.digest).toBe(index.digest);
    expect(copied.pushed.map((p) => p.digest)).toEqual([
      amd.digest,
      arm.digest,
      index.digest,
      signature.digest,
    ]);
    expect(copied.pushed[2]!.tags).toEqual(['v1']);
    expect(await tagsOf('dst/mirror')).toEqual(['v1']);
    const stored = await registry.manifests.get('dst/mirror', index.digest);
    expect(stored.payload).toEqual(indexBytes);
    for (const descriptor of amd.blobs) {
      expect(await registry.blobs.stat('dst/mirror', descriptor.digest)).toEqual({
        digest: descriptor.digest,
        size: descriptor.size,
      });
    }
    const listed = await artifacts.list('dst/mirror', { pageSize: 10 });
    expect(listed!.items.map((item) => item.digest)).toEqual([index.digest]);
    expect(listed!.items[0]!.accessories.map((a) => a.digest)).toEqual([signature.digest]);
  });

  it('copies by digest without tags, and refuses what the source does not have', async () => {
    const one = await image('src/single', 'single', {}, ['keep']);
    const copied = await operations.copy('src/single', one.digest, 'dst/single');
    expect(copied.pushed).toEqual([{ digest: one.digest, mediaType: MediaType.OciManifest, tags: [] }]);
    expect(await tagsOf('dst/single')).toEqual([]);
    const missing = await rejection(operations.copy('src/single', 'nope', 'dst/single'));
    expect(missing).toBeInstanceOf(RegistryError);
    expect((missing as RegistryError).kind).toBe('MANIFEST_UNKNOWN');
  });

  it('respects the destination project’s storage quota', async () => {
    const projects = new TypeormProjectRecords(db);
    await projects.create({ name: 'tiny', public: false, storageLimitBytes: 10 });
    const one = await image('src/quota', 'quota');
    const denied = await rejection(operations.copy('src/quota', one.digest, 'tiny/app'));
    expect((denied as RegistryError).kind).toBe('DENIED');
    expect(await artifacts.list('tiny/app', { pageSize: 10 })).toMatchObject({ total: 0 });
  });

  it('adds a tag, refuses one that exists, and removes it only from its artifact', async () => {
    const one = await image('src/tags', 'tags', {}, ['v1']);
    const two = await image('src/tags', 'tags-two', {}, ['v2']);
    expect(await operations.addTag('src/tags', 'v1', 'stable')).toEqual({
      digest: one.digest,
      mediaType: MediaType.OciManifest,
      tags: ['stable'],
    });
    expect(await tagsOf('src/tags')).toEqual(['stable', 'v1', 'v2']);
    expect(await rejection(operations.addTag('src/tags', one.digest, 'v2'))).toBeInstanceOf(TagExistsError);
    expect(
      ((await rejection(operations.addTag('src/tags', one.digest, 'bad tag'))) as RegistryError).kind,
    ).toBe('TAG_INVALID');
    expect(
      ((await rejection(operations.removeTag('src/tags', two.digest, 'stable'))) as RegistryError).kind,
    ).toBe('MANIFEST_UNKNOWN');
    expect(await operations.removeTag('src/tags', one.digest, 'stable')).toEqual({
      digest: one.digest,
      tag: 'stable',
    });
    expect(await tagsOf('src/tags')).toEqual(['v1', 'v2']);
  });

  it('deletes an artifact with its accessories and the children only it holds', async () => {
    const shared = await image('src/del', 'shared');
    const own = await image('src/del', 'own');
    const tagged = await image('src/del', 'tagged', {}, ['child-tag']);
    const put = async (children: Descriptor[], tag: string) => {
      const bytes = json({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: children });
      return (await registry.manifests.put('src/del', tag, bytes, MediaType.OciIndex)).digest;
    };
    const doomed = await put([shared.descriptor, own.descriptor, tagged.descriptor], 'doomed');
    const other = await put([shared.descriptor], 'other');
    const sig = await image('src/del', 'sig', {
      subject: { mediaType: MediaType.OciIndex, digest: doomed, size: 1 },
    });
    const sigOfSig = await image('src/del', 'sig2', { subject: sig.descriptor });

    const deleted = await operations.delete('src/del', 'doomed');
    expect(deleted).toEqual([doomed, sig.digest, own.digest, sigOfSig.digest]);
    const left = await artifacts.list('src/del', { pageSize: 10, all: true });
    expect(left!.items.map((item) => item.digest).sort()).toEqual(
      [shared.digest, tagged.digest, other].sort(),
    );
    expect(((await rejection(operations.delete('src/del', 'doomed'))) as RegistryError).kind).toBe(
      'MANIFEST_UNKNOWN',
    );
  });

  it('deletes a repository with everything in it', async () => {
    const one = await image('src/gone', 'gone', {}, ['v1']);
    expect(await operations.deleteRepository('src/gone')).toEqual([one.digest]);
    expect(((await rejection(operations.deleteRepository('src/gone'))) as RegistryError).kind).toBe(
      'NAME_UNKNOWN',
    );
    expect(((await rejection(registry.manifests.get('src/gone', 'v1'))) as RegistryError).kind).toBe(
      'MANIFEST_UNKNOWN',
    );
  });
});
