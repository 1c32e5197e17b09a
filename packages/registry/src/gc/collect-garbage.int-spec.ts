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
  type DataSource,
} from '@berth/db';
import { digestOf, MediaType, RegistryError, type Descriptor, type Digest } from '@berth/oci';
import { blobDataPath, blobDir, FilesystemDriver, InMemoryDriver, type StorageDriver } from '@berth/storage';
import { createTestDatabase, seededBytes, type TestDatabase } from '@berth/testing';
import { Registry } from '../registry.js';
import { collectGarbage, type GcDeps, type GcHooks, type GcOptions } from './collect-garbage.js';
import type { GcReport } from './gc-report.js';

const DRIVERS: { name: string; create(): Promise<{ storage: StorageDriver; cleanup(): Promise<void> }> }[] = [
  {
    name: 'InMemoryDriver',
    create: () => Promise.resolve({ storage: new InMemoryDriver(), cleanup: () => Promise.resolve() }),
  },
  {
    name: 'FilesystemDriver',
    async create() {
      const root = await mkdtemp(path.join(tmpdir(), 'berth-gc-int-'));
      return {
        storage: new FilesystemDriver(root),
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
];

interface Pushed {
  digest: Digest;
  bytes: Buffer;
  descriptor: Descriptor;
  /** Every blob the manifest references, by digest. */
  blobs: Map<Digest, Buffer>;
}

const json = (document: unknown): Buffer => Buffer.from(JSON.stringify(document));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw new Error(`expected a RegistryError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}

const sorted = (values: Iterable<string>): string[] => [...values].sort();
const digestsOf = (report: GcReport) => ({
  manifests: sorted(report.manifests.map((m) => `${m.repository}@${m.digest}`)),
  blobs: sorted(report.blobs.map((b) => b.digest)),
});

describe.each(DRIVERS)('collectGarbage over PostgreSQL and $name', (driver) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let storage: StorageDriver;
  let cleanup: () => Promise<void>;
  let registry: Registry;
  let deps: GcDeps;
  let lines: string[];

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
    ({ storage, cleanup } = await driver.create());
    registry = new Registry({
      repositories: new TypeormRepositoryRecords(dataSource),
      blobs: new TypeormBlobRecords(dataSource),
      uploads: new TypeormUploadRecords(dataSource),
      manifests: new TypeormManifestRecords(dataSource),
      storage,
    });
    deps = { gc: new TypeormGcRecords(dataSource), storage };
    lines = [];
  });

  afterEach(async () => {
    await cleanup?.();
  });

  const content = (label: string, size = 2048) => seededBytes(`gc:${driver.name}:${label}`, size);

  async function gc(options: Partial<GcOptions> = {}, hooks: GcHooks = {}): Promise<GcReport> {
    // Whatever was written so far is strictly older than a cutoff taken now.
    await sleep(5);
    return collectGarbage(
      deps,
      { dryRun: false, deleteUntagged: true, graceSeconds: 0, ...options },
      { log: (line) => lines.push(line), ...hooks },
    );
  }

  async function pushBlob(repository: string, bytes: Buffer): Promise<Digest> {
    const digest = digestOf(bytes);
    await registry.uploads.monolithic(repository, digest, Readable.from([bytes]));
    return digest;
  }

  /** Pushes an image manifest by `tag`, or by its own digest when `tag` is `null`. */
  async function pushImage(
    repository: string,
    tag: string | null,
    parts: { config: Buffer; layers: Buffer[]; subject?: Descriptor; artifactType?: string },
  ): Promise<Pushed> {
    const blobs = new Map<Digest, Buffer>();
    for (const bytes of [parts.config, ...parts.layers]) blobs.set(await pushBlob(repository, bytes), bytes);
    const bytes = json({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      ...(parts.artifactType && { artifactType: parts.artifactType }),
      config: { mediaType: MediaType.OciConfig, digest: digestOf(parts.config), size: parts.config.length },
      layers: parts.layers.map((layer) => ({
        mediaType: MediaType.OciLayerTarGzip,
        digest: digestOf(layer),
        size: layer.length,
      })),
      ...(parts.subject && { subject: parts.subject }),
    });
    const reference = tag ?? digestOf(bytes);
    const { digest } = await registry.manifests.put(repository, reference, bytes, MediaType.OciManifest);
    return {
      digest,
      bytes,
      blobs,
      descriptor: { mediaType: MediaType.OciManifest, digest, size: bytes.length },
    };
  }

  async function pushIndex(repository: string, reference: string, children: Pushed[]): Promise<Pushed> {
    const bytes = json({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: children.map((child) => child.descriptor),
    });
    const { digest } = await registry.manifests.put(repository, reference, bytes, MediaType.OciIndex);
    return {
      digest,
      bytes,
      blobs: new Map(),
      descriptor: { mediaType: MediaType.OciIndex, digest, size: bytes.length },
    };
  }

  /** The manifest and every blob it references come back byte-exact. */
  async function expectPullable(repository: string, reference: string, image: Pushed): Promise<void> {
    expect((await registry.manifests.get(repository, reference)).payload.equals(image.bytes)).toBe(true);
    for (const [digest, bytes] of image.blobs) {
      const blob = await registry.blobs.read(repository, digest);
      expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
    }
  }

  async function expectManifestGone(repository: string, image: Pushed): Promise<void> {
    expect((await rejection(registry.manifests.get(repository, image.digest))).kind).toBe('MANIFEST_UNKNOWN');
  }

  async function blobExists(digest: string): Promise<{ row: boolean; bytes: boolean }> {
    const rows: unknown[] = await dataSource.query(`SELECT 1 FROM blobs WHERE digest = $1`, [digest]);
    const bytes = await storage.stat(blobDataPath(digest)).then(
      () => true,
      () => false,
    );
    return { row: rows.length > 0, bytes };
  }

  async function ageEverything(seconds: number): Promise<void> {
    await dataSource.query(`UPDATE manifests SET created_at = created_at - make_interval(secs => $1)`, [
      seconds,
    ]);
    await dataSource.query(`UPDATE blobs SET touched_at = touched_at - make_interval(secs => $1)`, [seconds]);
  }

  async function twoImagesSharingALayer() {
    const shared = content('shared layer', 8192);
    const a = await pushImage('gc/app', 'a', {
      config: content('config a', 300),
      layers: [shared, content('a')],
    });
    const b = await pushImage('gc/app', 'b', {
      config: content('config b', 310),
      layers: [shared, content('b')],
    });
    return { shared: digestOf(shared), a, b };
  }

  it('untagged image: its manifest and unique blobs go, the shared layer and the other image stay', async () => {
    const { shared, a, b } = await twoImagesSharingALayer();
    await registry.manifests.delete('gc/app', 'a');

    const report = await gc();

    const unique = [...a.blobs.keys()].filter((digest) => digest !== shared);
    expect(report).toMatchObject({ dryRun: false, stopped: false, manifestsDeleted: 1, blobsDeleted: 2 });
    expect(report.manifests).toEqual([{ repository: 'gc/app', digest: a.digest }]);
    expect(sorted(report.blobs.map((blob) => blob.digest))).toEqual(sorted(unique));
    expect(report.bytesFreed).toBe(unique.reduce((sum, digest) => sum + a.blobs.get(digest)!.length, 0));
    await expectManifestGone('gc/app', a);
    for (const digest of unique) {
      expect(await blobExists(digest)).toEqual({ row: false, bytes: false });
      await expect(storage.stat(blobDir(digest))).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
      expect((await rejection(registry.blobs.stat('gc/app', digest))).kind).toBe('BLOB_UNKNOWN');
    }
    expect(await blobExists(shared)).toEqual({ row: true, bytes: true });
    await expectPullable('gc/app', 'b', b);

    // A second run finds nothing left.
    expect(await gc()).toMatchObject({ manifestsDeleted: 0, blobsDeleted: 0, bytesFreed: 0 });
  });

  it('without deleteUntagged, untagged manifests and their blobs stay; unreferenced blobs go', async () => {
    const { a, b } = await twoImagesSharingALayer();
    await registry.manifests.delete('gc/app', 'a');
    const loose = await pushBlob('gc/app', content('never referenced'));

    const report = await gc({ deleteUntagged: false });

    expect(report).toMatchObject({ manifestsDeleted: 0, blobsDeleted: 1, passes: 0 });
    expect(report.blobs).toEqual([{ digest: loose, size: 2048 }]);
    await expectPullable('gc/app', a.digest, a);
    await expectPullable('gc/app', 'b', b);
  });

  it('the grace window spares recent uploads and manifests; graceSeconds 0 collects them', async () => {
    const old = await pushBlob('gc/grace', content('old upload'));
    const image = await pushImage('gc/grace', 'old', {
      config: content('grace config'),
      layers: [content('l')],
    });
    await registry.manifests.delete('gc/grace', 'old');
    await ageEverything(7200);
    const recent = await pushBlob('gc/grace', content('recent upload'));
    const recentImage = await pushImage('gc/grace', 'recent', {
      config: content('recent config'),
      layers: [content('recent layer')],
    });
    await registry.manifests.delete('gc/grace', 'recent');

    const graced = await gc({ graceSeconds: 3600 });
    expect(digestsOf(graced)).toEqual({
      manifests: [`gc/grace@${image.digest}`],
      blobs: sorted([old, ...image.blobs.keys()]),
    });
    expect(await blobExists(recent)).toEqual({ row: true, bytes: true });
    await expectPullable('gc/grace', recentImage.digest, recentImage);

    const immediate = await gc({ graceSeconds: 0 });
    expect(digestsOf(immediate)).toEqual({
      manifests: [`gc/grace@${recentImage.digest}`],
      blobs: sorted([recent, ...recentImage.blobs.keys()]),
    });
    expect(await blobExists(recent)).toEqual({ row: false, bytes: false });
  });

  it('a re-upload refreshes a blob: the grace window counts from the last upload', async () => {
    const bytes = content('uploaded twice');
    const digest = await pushBlob('gc/touch', bytes);
    await ageEverything(7200);
    await pushBlob('gc/touch', bytes);
    expect((await gc({ graceSeconds: 3600 })).blobsDeleted).toBe(0);
    expect(await blobExists(digest)).toEqual({ row: true, bytes: true });
  });

  it('an untagged index goes with its children in one run; a tagged index keeps its untagged children', async () => {
    const amd = await pushImage('gc/multi', 'tmp-amd', {
      config: content('amd config'),
      layers: [content('amd')],
    });
    const arm = await pushImage('gc/multi', 'tmp-arm', {
      config: content('arm config'),
      layers: [content('arm')],
    });
    await registry.manifests.delete('gc/multi', 'tmp-amd');
    await registry.manifests.delete('gc/multi', 'tmp-arm');
    const index = await pushIndex('gc/multi', 'v1', [amd, arm]);
    const other = await pushImage('gc/multi', 'tmp-x', {
      config: content('x config'),
      layers: [content('x')],
    });
    await registry.manifests.delete('gc/multi', 'tmp-x');
    const otherIndex = await pushIndex('gc/multi', 'v2', [other]);

    const kept = await gc();
    expect(kept).toMatchObject({ manifestsDeleted: 0, blobsDeleted: 0 });
    await expectPullable('gc/multi', 'v1', index);
    await expectPullable('gc/multi', amd.digest, amd);
    await expectPullable('gc/multi', arm.digest, arm);

    await registry.manifests.delete('gc/multi', 'v1');
    const report = await gc();
    expect(digestsOf(report)).toEqual({
      manifests: sorted([index, amd, arm].map((m) => `gc/multi@${m.digest}`)),
      blobs: sorted([...amd.blobs.keys(), ...arm.blobs.keys()]),
    });
    expect(report.passes).toBeGreaterThanOrEqual(2);
    for (const manifest of [index, amd, arm]) await expectManifestGone('gc/multi', manifest);
    await expectPullable('gc/multi', 'v2', otherIndex);
    await expectPullable('gc/multi', other.digest, other);
  });

  it('referrers stay while their subject is reachable and go with it, down a chain of referrers', async () => {
    const subject = await pushImage('gc/signed', 'v1', {
      config: content('app config'),
      layers: [content('app')],
    });
    const sbom = await pushImage('gc/signed', null, {
      config: Buffer.from('{}'),
      layers: [content('sbom')],
      subject: subject.descriptor,
      artifactType: 'application/spdx+json',
    });
    const signature = await pushImage('gc/signed', null, {
      config: Buffer.from('{}'),
      layers: [content('signature of the sbom', 256)],
      subject: sbom.descriptor,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    });
    // Pushed by digest: nothing tags the referrers.
    expect(await registry.listings.tags('gc/signed', { limit: 10, explicit: true })).toMatchObject({
      entries: ['v1'],
    });

    expect(await gc()).toMatchObject({ manifestsDeleted: 0, blobsDeleted: 0 });
    await expectPullable('gc/signed', sbom.digest, sbom);
    await expectPullable('gc/signed', signature.digest, signature);

    await registry.manifests.delete('gc/signed', 'v1');
    const report = await gc();
    expect(report.manifestsDeleted).toBe(3);
    expect(report.passes).toBeGreaterThanOrEqual(3);
    expect(digestsOf(report).blobs).toEqual(
      sorted(new Set([...subject.blobs.keys(), ...sbom.blobs.keys(), ...signature.blobs.keys()])),
    );
    for (const manifest of [subject, sbom, signature]) await expectManifestGone('gc/signed', manifest);
  });

  it('a dry run deletes nothing and reports exactly what the following real run deletes', async () => {
    const { a, b } = await twoImagesSharingALayer();
    const amd = await pushImage('gc/app', 'tmp', { config: content('amd config'), layers: [content('amd')] });
    const index = await pushIndex('gc/app', 'multi', [amd, b]);
    await pushImage('gc/app', null, {
      config: Buffer.from('{}'),
      layers: [content('sig of a', 200)],
      subject: a.descriptor,
      artifactType: 'application/example',
    });
    await pushImage('gc/other', 'keep', { config: content('config a', 300), layers: [content('other')] });
    await pushBlob('gc/app', content('loose'));
    for (const tag of ['a', 'tmp', 'multi']) await registry.manifests.delete('gc/app', tag);
    const counts = () =>
      dataSource.query<unknown[]>(
        `SELECT (SELECT count(*) FROM manifests) AS manifests, (SELECT count(*) FROM blobs) AS blobs`,
      );
    const before = await counts();

    const dry = await gc({ dryRun: true, batchSize: 2 });
    expect(await counts()).toEqual(before);
    await expectPullable('gc/app', index.digest, index);
    await expectPullable('gc/app', a.digest, a);

    const real = await collectGarbage(
      deps,
      { dryRun: false, deleteUntagged: true, graceSeconds: 0, batchSize: 2, now: new Date(dry.cutoff) },
      {},
    );
    expect(dry).toMatchObject({ dryRun: true, passes: 1 });
    expect(real.dryRun).toBe(false);
    expect(digestsOf(dry)).toEqual(digestsOf(real));
    expect(dry.manifests).toHaveLength(4);
    expect([dry.manifestsDeleted, dry.blobsDeleted, dry.bytesFreed]).toEqual([
      real.manifestsDeleted,
      real.blobsDeleted,
      real.bytesFreed,
    ]);
    await expectPullable('gc/app', 'b', b);
  });

  it('a dry run without deleteUntagged reports only unreferenced blobs', async () => {
    const { a } = await twoImagesSharingALayer();
    await registry.manifests.delete('gc/app', 'a');
    const loose = await pushBlob('gc/app', content('loose'));
    const dry = await gc({ dryRun: true, deleteUntagged: false });
    expect(dry).toMatchObject({ manifestsDeleted: 0, blobsDeleted: 1, passes: 0, manifests: [] });
    expect(dry.blobs).toEqual([{ digest: loose, size: 2048 }]);
    await expectPullable('gc/app', a.digest, a);
  });

  it('stops between batches when asked, and a later run finishes the job', async () => {
    const loose: string[] = [];
    for (let i = 0; i < 5; i++) loose.push(await pushBlob('gc/stop', content(`loose ${i}`)));
    let batches = 0;
    const progress: unknown[] = [];
    const stopped = await gc(
      { batchSize: 2 },
      { shouldStop: () => batches >= 1, onProgress: (p) => void (batches++, progress.push(p)) },
    );
    expect(stopped).toMatchObject({ stopped: true, blobsDeleted: 2, bytesFreed: 4096 });
    expect(progress).toEqual([
      { phase: 'blobs', pass: 0, manifestsDeleted: 0, blobsDeleted: 2, bytesFreed: 4096 },
    ]);
    expect(lines).toContain(
      'gc stopped dryRun=false manifests=0 blobs=2 bytes=4096 passes=1 ms=' + stopped.durationMs,
    );

    const rest = await gc({ batchSize: 2 });
    expect(rest).toMatchObject({ stopped: false, blobsDeleted: 3 });
    expect(sorted([...stopped.blobs, ...rest.blobs].map((blob) => blob.digest))).toEqual(sorted(loose));
  });

  it('a stop request between manifest passes leaves the rest, blobs included, to the next run', async () => {
    const amd = await pushImage('gc/stop', null, { config: content('amd config'), layers: [content('amd')] });
    const index = await pushIndex('gc/stop', 'v1', [amd]);
    await registry.manifests.delete('gc/stop', 'v1');
    let asked = 0;
    const report = await gc({}, { shouldStop: () => ++asked > 1 });
    expect(report).toMatchObject({ stopped: true, manifestsDeleted: 1, blobsDeleted: 0, passes: 1 });
    expect(report.manifests).toEqual([{ repository: 'gc/stop', digest: index.digest }]);
    await expectPullable('gc/stop', amd.digest, amd);

    const rest = await gc();
    expect(rest).toMatchObject({ stopped: false, manifestsDeleted: 1, blobsDeleted: 2 });
    await expectManifestGone('gc/stop', amd);
  });

  it('a blob whose bytes are already gone is collected all the same', async () => {
    const digest = await pushBlob('gc/gone', content('bytes deleted by hand'));
    await storage.delete(blobDir(digest));
    const report = await gc();
    expect(report.blobs).toEqual([{ digest, size: 2048 }]);
    expect(await blobExists(digest)).toEqual({ row: false, bytes: false });
    expect(lines).toContain(`gc blob bytes already gone digest=${digest}`);
  });

  it('a storage failure while deleting bytes never leaves a blob row without its bytes', async () => {
    const digests = sorted(
      await Promise.all([0, 1, 2, 3].map((i) => pushBlob('gc/failing', content(`doomed ${i}`)))),
    );
    const failing = digests[2]!;
    const flaky = new Proxy(storage, {
      get(target, property) {
        if (property === 'delete') {
          return (where: string) =>
            where === blobDir(failing) ? Promise.reject(new Error('disk on fire')) : target.delete(where);
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    await sleep(5);

    await expect(
      collectGarbage(
        { gc: deps.gc, storage: flaky },
        { dryRun: false, deleteUntagged: true, graceSeconds: 0 },
      ),
    ).rejects.toThrow('disk on fire');

    for (const digest of digests) {
      const state = await blobExists(digest);
      // A row promises bytes: a push may reference it, and a pull must then find them.
      if (state.row) expect(state).toEqual({ row: true, bytes: true });
    }
    // Whatever was not reached stays for the next run, which completes once storage recovers.
    const next = await gc();
    for (const digest of digests) expect((await blobExists(digest)).row).toBe(false);
    expect(next.stopped).toBe(false);
  });

  it('logs static lower-case messages with key=value fields', async () => {
    const { a } = await twoImagesSharingALayer();
    await registry.manifests.delete('gc/app', a.digest);
    await gc();
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line).toMatch(/^[a-z][a-z ]*[a-z]( [a-zA-Z]+=\S+)*$/);
    expect(lines[0]).toMatch(/^gc started dryRun=false deleteUntagged=true graceSeconds=0 cutoff=\S+Z$/);
  });

  it('refuses a negative grace window and a batch size below 1', async () => {
    await expect(gc({ graceSeconds: -1 })).rejects.toThrow(RangeError);
    await expect(gc({ batchSize: 0 })).rejects.toThrow(RangeError);
  });
});
