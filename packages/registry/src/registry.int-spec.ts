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
import { digestOf, RegistryError, type Digest } from '@berth/oci';
import {
  blobDataPath,
  FilesystemDriver,
  InMemoryDriver,
  PathNotFoundError,
  uploadDir,
  uploadsRoot,
  type StorageDriver,
} from '@berth/storage';
import { createTestDatabase, seededBytes, type TestDatabase } from '@berth/testing';
import { Registry } from './registry.js';

function registryOn(dataSource: DataSource, storage: StorageDriver): Registry {
  return new Registry({
    repositories: new TypeormRepositoryRecords(dataSource),
    blobs: new TypeormBlobRecords(dataSource),
    uploads: new TypeormUploadRecords(dataSource),
    manifests: new TypeormManifestRecords(dataSource),
    storage,
  });
}

/** A request body arriving in the given pieces. */
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

async function exists(storage: StorageDriver, driverPath: string): Promise<boolean> {
  try {
    await storage.stat(driverPath);
    return true;
  } catch (error) {
    if (error instanceof PathNotFoundError) return false;
    throw error;
  }
}

async function uploadsLeft(storage: StorageDriver): Promise<string[]> {
  try {
    return await storage.list(uploadsRoot());
  } catch (error) {
    if (error instanceof PathNotFoundError) return [];
    throw error;
  }
}

interface DriverCase {
  name: string;
  create(): Promise<{ storage: StorageDriver; cleanup(): Promise<void> }>;
}

const DRIVERS: DriverCase[] = [
  {
    name: 'InMemoryDriver',
    create: () => Promise.resolve({ storage: new InMemoryDriver(), cleanup: () => Promise.resolve() }),
  },
  {
    name: 'FilesystemDriver',
    async create() {
      const root = await mkdtemp(path.join(tmpdir(), 'berth-registry-int-'));
      return {
        storage: new FilesystemDriver(root),
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
];

describe.each(DRIVERS)('Registry uploads and blobs, PostgreSQL + $name', (driver) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let storage: StorageDriver;
  let cleanup: () => Promise<void>;
  let registry: Registry;
  // Content unique to this pass, so that no test depends on another's blobs.
  const content = (label: string, size: number) => seededBytes(`${driver.name}:${label}`, size);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 30 });
    ({ storage, cleanup } = await driver.create());
    registry = registryOn(dataSource, storage);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
    await cleanup?.();
  });

  /** Pushes `bytes` to `repository` monolithically; returns the digest. */
  async function push(repository: string, bytes: Buffer): Promise<Digest> {
    const digest = digestOf(bytes);
    await registry.uploads.monolithic(repository, digest, body(bytes));
    return digest;
  }

  describe('chunked upload', () => {
    it('completes with the right digest: the blob is readable, byte-exact', async () => {
      const bytes = content('chunked', 100_000);
      const digest = digestOf(bytes);
      const started = await registry.uploads.start('up/chunked');
      expect(started).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), size: 0 });
      expect(await registry.uploads.status('up/chunked', started.id)).toEqual({ id: started.id, size: 0 });

      const first = await registry.uploads.append('up/chunked', started.id, body(bytes.subarray(0, 30_000)), {
        start: 0,
        end: 29_999,
      });
      expect(first).toEqual({ id: started.id, size: 30_000 });
      // A chunk may itself arrive in many pieces.
      const second = await registry.uploads.append(
        'up/chunked',
        started.id,
        body(bytes.subarray(30_000, 50_000), bytes.subarray(50_000, 70_000)),
        { start: 30_000, end: 69_999 },
      );
      expect(second.size).toBe(70_000);
      // A chunk without Content-Range is appended as well.
      await registry.uploads.append('up/chunked', started.id, body(bytes.subarray(70_000)));
      expect(await registry.uploads.status('up/chunked', started.id)).toEqual({
        id: started.id,
        size: 100_000,
      });

      expect(await registry.uploads.complete('up/chunked', started.id, digest)).toEqual({
        digest,
        size: 100_000,
      });
      expect(await registry.blobs.stat('up/chunked', digest)).toEqual({ digest, size: 100_000 });
      const blob = await registry.blobs.read('up/chunked', digest);
      expect(blob).toMatchObject({ digest, size: 100_000, length: 100_000 });
      expect(blob.range).toBeUndefined();
      expect((await readAll(await blob.open())).equals(bytes)).toBe(true);

      // The session and its bytes are gone; the blob sits at its content address.
      expect((await rejection(registry.uploads.status('up/chunked', started.id))).kind).toBe(
        'BLOB_UPLOAD_UNKNOWN',
      );
      expect(await exists(storage, uploadDir(started.id))).toBe(false);
      expect((await storage.getContent(blobDataPath(digest))).equals(bytes)).toBe(true);
    });

    it('serves ranges of the blob', async () => {
      const bytes = content('ranges', 5000);
      const digest = await push('up/ranges', bytes);
      const cases: [string, number, number][] = [
        ['bytes=0-0', 0, 0],
        ['bytes=10-19', 10, 19],
        ['bytes=4990-', 4990, 4999],
        ['bytes=-100', 4900, 4999],
        ['bytes=4000-999999', 4000, 4999],
        ['bytes=0-4999', 0, 4999],
        ['bytes=-999999', 0, 4999],
      ];
      for (const [header, start, end] of cases) {
        const blob = await registry.blobs.read('up/ranges', digest, header);
        expect({ header, range: blob.range, length: blob.length }).toEqual({
          header,
          range: { start, end },
          length: end - start + 1,
        });
        expect((await readAll(await blob.open())).equals(bytes.subarray(start, end + 1))).toBe(true);
      }
    });

    it('refuses a range past the end with RANGE_NOT_SATISFIABLE and Content-Range', async () => {
      const bytes = content('range-past', 100);
      const digest = await push('up/range-past', bytes);
      for (const header of ['bytes=100-', 'bytes=100-200', 'bytes=-0']) {
        const error = await rejection(registry.blobs.read('up/range-past', digest, header));
        expect(error.kind).toBe('RANGE_NOT_SATISFIABLE');
        expect(error.status).toBe(416);
        expect(error.headers['Content-Range']).toBe('bytes */100');
      }
      // Not a single byte range: the whole blob is served.
      const whole = await registry.blobs.read('up/range-past', digest, 'bytes=0-1,5-6');
      expect(whole.range).toBeUndefined();
      expect(whole.length).toBe(100);
    });

    it('completes with a final chunk in the completing request', async () => {
      const bytes = content('final-chunk', 4096);
      const digest = digestOf(bytes);
      const { id } = await registry.uploads.start('up/final');
      await registry.uploads.append('up/final', id, body(bytes.subarray(0, 1000)), { start: 0, end: 999 });
      expect(await registry.uploads.complete('up/final', id, digest, body(bytes.subarray(1000)))).toEqual({
        digest,
        size: 4096,
      });
      expect(
        (await readAll(await (await registry.blobs.read('up/final', digest)).open())).equals(bytes),
      ).toBe(true);
    });

    it('completes a whole blob sent in the completing request alone', async () => {
      const bytes = content('put-only', 777);
      const digest = digestOf(bytes);
      const { id } = await registry.uploads.start('up/put-only');
      await registry.uploads.complete('up/put-only', id, digest, body(bytes));
      expect(await registry.blobs.stat('up/put-only', digest)).toEqual({ digest, size: 777 });
    });

    it('uploads an empty blob', async () => {
      const digest = digestOf(Buffer.alloc(0));
      const { id } = await registry.uploads.start('up/empty');
      expect(await registry.uploads.complete('up/empty', id, digest)).toEqual({ digest, size: 0 });
      const blob = await registry.blobs.read('up/empty', digest);
      expect(blob.length).toBe(0);
      expect(await readAll(await blob.open())).toEqual(Buffer.alloc(0));
    });

    it('handles a multi-megabyte blob in uneven chunks', async () => {
      const bytes = content('large', 3 * 1024 * 1024 + 17);
      const digest = digestOf(bytes);
      const { id } = await registry.uploads.start('up/large');
      const cuts = [0, 1, 65_537, 1_048_576, 2_500_000, bytes.length];
      for (let i = 0; i < cuts.length - 1; i++) {
        await registry.uploads.append('up/large', id, body(bytes.subarray(cuts[i], cuts[i + 1])), {
          start: cuts[i]!,
          end: cuts[i + 1]! - 1,
        });
      }
      await registry.uploads.complete('up/large', id, digest);
      const blob = await registry.blobs.read('up/large', digest);
      expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
      const mid = await registry.blobs.read('up/large', digest, 'bytes=1048570-1048600');
      expect((await readAll(await mid.open())).equals(bytes.subarray(1_048_570, 1_048_601))).toBe(true);
    });

    it('refuses a wrong digest with DIGEST_INVALID and forgets the session', async () => {
      const bytes = content('wrong-digest', 2048);
      const claimed = digestOf(content('something-else', 2048));
      const { id } = await registry.uploads.start('up/wrong');
      await registry.uploads.append('up/wrong', id, body(bytes), { start: 0, end: 2047 });

      const error = await rejection(registry.uploads.complete('up/wrong', id, claimed));
      expect(error.kind).toBe('DIGEST_INVALID');
      expect(error.status).toBe(400);
      expect(error.message).toContain(digestOf(bytes));

      expect((await rejection(registry.uploads.status('up/wrong', id))).kind).toBe('BLOB_UPLOAD_UNKNOWN');
      expect((await rejection(registry.uploads.append('up/wrong', id, body(bytes)))).kind).toBe(
        'BLOB_UPLOAD_UNKNOWN',
      );
      expect((await rejection(registry.uploads.complete('up/wrong', id, digestOf(bytes)))).kind).toBe(
        'BLOB_UPLOAD_UNKNOWN',
      );
      expect((await rejection(registry.blobs.stat('up/wrong', claimed))).kind).toBe('BLOB_UNKNOWN');
      expect((await rejection(registry.blobs.stat('up/wrong', digestOf(bytes)))).kind).toBe('BLOB_UNKNOWN');
      expect(await exists(storage, uploadDir(id))).toBe(false);
      expect(await exists(storage, blobDataPath(claimed))).toBe(false);
    });

    it('refuses a wrong digest when the last chunk comes with the completing request', async () => {
      const bytes = content('wrong-digest-final', 300);
      const { id } = await registry.uploads.start('up/wrong-final');
      const error = await rejection(
        registry.uploads.complete('up/wrong-final', id, digestOf('nope'), body(bytes)),
      );
      expect(error.kind).toBe('DIGEST_INVALID');
      expect((await rejection(registry.uploads.status('up/wrong-final', id))).kind).toBe(
        'BLOB_UPLOAD_UNKNOWN',
      );
      expect(await exists(storage, uploadDir(id))).toBe(false);
    });

    it('refuses an out-of-order chunk with RANGE_NOT_SATISFIABLE and the current Range', async () => {
      const bytes = content('out-of-order', 1000);
      const digest = digestOf(bytes);
      const { id } = await registry.uploads.start('up/ooo');

      // Nothing received yet: a chunk must start at 0.
      const early = await rejection(
        registry.uploads.append('up/ooo', id, body(bytes.subarray(100, 200)), { start: 100, end: 199 }),
      );
      expect(early.kind).toBe('RANGE_NOT_SATISFIABLE');
      expect(early.headers).toEqual({
        Location: `/v2/up/ooo/blobs/uploads/${id}`,
        Range: '0-0',
        'Docker-Upload-UUID': id,
      });

      await registry.uploads.append('up/ooo', id, body(bytes.subarray(0, 400)), { start: 0, end: 399 });
      for (const start of [0, 399, 401, 800]) {
        const error = await rejection(
          registry.uploads.append('up/ooo', id, body(bytes.subarray(start, start + 10)), {
            start,
            end: start + 9,
          }),
        );
        expect(error.kind).toBe('RANGE_NOT_SATISFIABLE');
        expect(error.status).toBe(416);
        expect(error.headers.Range).toBe('0-399');
        expect(error.headers.Location).toBe(`/v2/up/ooo/blobs/uploads/${id}`);
        expect(error.headers['Docker-Upload-UUID']).toBe(id);
      }
      // Nothing of the refused chunks was kept: the upload continues where it was.
      expect(await registry.uploads.status('up/ooo', id)).toEqual({ id, size: 400 });
      await registry.uploads.append('up/ooo', id, body(bytes.subarray(400)), { start: 400, end: 999 });
      expect(await registry.uploads.complete('up/ooo', id, digest)).toEqual({ digest, size: 1000 });
      expect((await readAll(await (await registry.blobs.read('up/ooo', digest)).open())).equals(bytes)).toBe(
        true,
      );
    });

    it('refuses an out-of-order final chunk in the completing request, keeping the session', async () => {
      const bytes = content('ooo-final', 600);
      const digest = digestOf(bytes);
      const { id } = await registry.uploads.start('up/ooo-final');
      await registry.uploads.append('up/ooo-final', id, body(bytes.subarray(0, 200)), { start: 0, end: 199 });
      const error = await rejection(
        registry.uploads.complete('up/ooo-final', id, digest, body(bytes.subarray(300)), {
          start: 300,
          end: 599,
        }),
      );
      expect(error.kind).toBe('RANGE_NOT_SATISFIABLE');
      expect(error.headers.Range).toBe('0-199');
      expect(await registry.uploads.status('up/ooo-final', id)).toEqual({ id, size: 200 });
      expect(
        await registry.uploads.complete('up/ooo-final', id, digest, body(bytes.subarray(200)), {
          start: 200,
          end: 599,
        }),
      ).toEqual({ digest, size: 600 });
      expect(
        (await readAll(await (await registry.blobs.read('up/ooo-final', digest)).open())).equals(bytes),
      ).toBe(true);
    });

    it('uploads and verifies a sha512 digest', async () => {
      const bytes = content('sha512', 10_000);
      const digest = digestOf(bytes, 'sha512');
      const { id } = await registry.uploads.start('up/sha512');
      await registry.uploads.append('up/sha512', id, body(bytes.subarray(0, 6000)), { start: 0, end: 5999 });
      expect(await registry.uploads.complete('up/sha512', id, digest, body(bytes.subarray(6000)))).toEqual({
        digest,
        size: 10_000,
      });
      expect(await registry.blobs.stat('up/sha512', digest)).toEqual({ digest, size: 10_000 });
      expect(
        (await readAll(await (await registry.blobs.read('up/sha512', digest)).open())).equals(bytes),
      ).toBe(true);
      // The same bytes are not known under their sha256 digest.
      expect((await rejection(registry.blobs.stat('up/sha512', digestOf(bytes)))).kind).toBe('BLOB_UNKNOWN');
    });

    it('refuses a wrong sha512 digest', async () => {
      const bytes = content('sha512-wrong', 100);
      const { id } = await registry.uploads.start('up/sha512-wrong');
      await registry.uploads.append('up/sha512-wrong', id, body(bytes));
      const error = await rejection(
        registry.uploads.complete('up/sha512-wrong', id, digestOf(content('x', 100), 'sha512')),
      );
      expect(error.kind).toBe('DIGEST_INVALID');
    });

    it('stores identical content uploaded twice once, readable through both uploads', async () => {
      const bytes = content('twice', 5000);
      const digest = digestOf(bytes);
      for (const repository of ['up/twice-a', 'up/twice-b']) {
        const { id } = await registry.uploads.start(repository);
        await registry.uploads.append(repository, id, body(bytes));
        await registry.uploads.complete(repository, id, digest);
      }
      for (const repository of ['up/twice-a', 'up/twice-b']) {
        const blob = await registry.blobs.read(repository, digest);
        expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
      }
      expect(await uploadsLeft(storage)).toEqual([]);
    });
  });

  describe('sessions', () => {
    it('cancel forgets the session and its bytes', async () => {
      const { id } = await registry.uploads.start('up/cancel');
      await registry.uploads.append('up/cancel', id, body(content('cancel', 500)));
      expect(await exists(storage, uploadDir(id))).toBe(true);
      await registry.uploads.cancel('up/cancel', id);
      expect((await rejection(registry.uploads.status('up/cancel', id))).kind).toBe('BLOB_UPLOAD_UNKNOWN');
      expect((await rejection(registry.uploads.cancel('up/cancel', id))).kind).toBe('BLOB_UPLOAD_UNKNOWN');
      expect(await exists(storage, uploadDir(id))).toBe(false);
    });

    it('a session belongs to its repository', async () => {
      const { id } = await registry.uploads.start('up/owner');
      await registry.uploads.start('up/intruder');
      for (const attempt of [
        registry.uploads.status('up/intruder', id),
        registry.uploads.append('up/intruder', id, body(Buffer.from('x'))),
        registry.uploads.complete('up/intruder', id, digestOf('')),
        registry.uploads.cancel('up/intruder', id),
      ]) {
        expect((await rejection(attempt)).kind).toBe('BLOB_UPLOAD_UNKNOWN');
      }
      expect(await registry.uploads.status('up/owner', id)).toEqual({ id, size: 0 });
    });

    it('unknown and malformed upload ids are BLOB_UPLOAD_UNKNOWN', async () => {
      await registry.uploads.start('up/ids');
      for (const id of ['nope', '', '../../etc/passwd', '00000000-0000-4000-8000-000000000000']) {
        expect((await rejection(registry.uploads.status('up/ids', id))).kind).toBe('BLOB_UPLOAD_UNKNOWN');
      }
    });

    // Regression: such ids once reached `upload_sessions.id = $1` (a uuid column) and PostgreSQL
    // threw "invalid input syntax for type uuid", a 500 instead of a 404.
    it('upload ids that only look like UUIDs are BLOB_UPLOAD_UNKNOWN too', async () => {
      await registry.uploads.start('up/ids2');
      for (const id of ['0'.repeat(36), '-'.repeat(36), `${'a'.repeat(32)}----`]) {
        expect((await rejection(registry.uploads.status('up/ids2', id))).kind).toBe('BLOB_UPLOAD_UNKNOWN');
      }
    });

    it('a session whose bytes vanished from storage is BLOB_UPLOAD_UNKNOWN', async () => {
      const { id } = await registry.uploads.start('up/vanished');
      await storage.delete(uploadDir(id));
      expect((await rejection(registry.uploads.status('up/vanished', id))).kind).toBe('BLOB_UPLOAD_UNKNOWN');
      expect((await rejection(registry.uploads.append('up/vanished', id, body(Buffer.from('x'))))).kind).toBe(
        'BLOB_UPLOAD_UNKNOWN',
      );
    });

    it('keeps sessions of concurrent uploads apart', async () => {
      const blobs = Array.from({ length: 8 }, (_, i) => content(`parallel-${i}`, 20_000 + i));
      await Promise.all(
        blobs.map(async (bytes) => {
          const { id } = await registry.uploads.start('up/parallel');
          await registry.uploads.append('up/parallel', id, body(bytes.subarray(0, 10_000)), {
            start: 0,
            end: 9999,
          });
          await registry.uploads.append('up/parallel', id, body(bytes.subarray(10_000)), {
            start: 10_000,
            end: bytes.length - 1,
          });
          await registry.uploads.complete('up/parallel', id, digestOf(bytes));
        }),
      );
      for (const bytes of blobs) {
        const blob = await registry.blobs.read('up/parallel', digestOf(bytes));
        expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
      }
    });
  });

  describe('monolithic upload', () => {
    it('stores a blob sent in one request', async () => {
      const bytes = content('mono', 12_345);
      const digest = digestOf(bytes);
      const before = await uploadsLeft(storage);
      expect(
        await registry.uploads.monolithic('up/mono', digest, body(bytes.subarray(0, 5), bytes.subarray(5))),
      ).toEqual({ digest, size: 12_345 });
      const blob = await registry.blobs.read('up/mono', digest);
      expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
      expect(await uploadsLeft(storage)).toEqual(before);
    });

    it('stores a sha512 blob sent in one request', async () => {
      const bytes = content('mono-512', 999);
      const digest = digestOf(bytes, 'sha512');
      expect(await registry.uploads.monolithic('up/mono512', digest, body(bytes))).toEqual({
        digest,
        size: 999,
      });
      expect(await registry.blobs.stat('up/mono512', digest)).toEqual({ digest, size: 999 });
    });

    it('refuses a wrong digest and leaves nothing behind', async () => {
      const bytes = content('mono-wrong', 1000);
      const claimed = digestOf(content('mono-other', 1000));
      const before = await uploadsLeft(storage);
      const error = await rejection(registry.uploads.monolithic('up/mono-wrong', claimed, body(bytes)));
      expect(error.kind).toBe('DIGEST_INVALID');
      expect((await rejection(registry.blobs.stat('up/mono-wrong', claimed))).kind).toBe('BLOB_UNKNOWN');
      expect(await exists(storage, blobDataPath(claimed))).toBe(false);
      expect(await exists(storage, blobDataPath(digestOf(bytes)))).toBe(false);
      expect(await uploadsLeft(storage)).toEqual(before);
    });

    it('stores the same blob pushed to 10 repositories at once', async () => {
      const bytes = content('mono-race', 50_000);
      const digest = digestOf(bytes);
      const repos = Array.from({ length: 10 }, (_, i) => `up/mono-race-${i}`);
      const before = await uploadsLeft(storage);
      await Promise.all(
        repos.map((repository) => registry.uploads.monolithic(repository, digest, body(bytes))),
      );
      for (const repository of repos) {
        const blob = await registry.blobs.read(repository, digest);
        expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
      }
      expect(await uploadsLeft(storage)).toEqual(before);
    });
  });

  describe('blobs', () => {
    it('a blob pushed to one repository is not readable from another', async () => {
      const digest = await push('bl/iso-a', content('iso', 100));
      await registry.uploads.start('bl/iso-b');
      for (const attempt of [
        registry.blobs.stat('bl/iso-b', digest),
        registry.blobs.read('bl/iso-b', digest),
      ]) {
        const error = await rejection(attempt);
        expect(error.kind).toBe('BLOB_UNKNOWN');
        expect(error.status).toBe(404);
        expect(error.detail).toEqual({ digest });
      }
      expect((await rejection(registry.blobs.stat('bl/no-such-repository', digest))).kind).toBe(
        'BLOB_UNKNOWN',
      );
    });

    it('mounts from a repository that can read the blob', async () => {
      const bytes = content('mount-from', 321);
      const digest = await push('bl/mount-src', bytes);
      expect(await registry.blobs.mount('bl/mount-dst', digest, 'bl/mount-src')).toEqual({
        digest,
        size: 321,
      });
      const blob = await registry.blobs.read('bl/mount-dst', digest);
      expect((await readAll(await blob.open())).equals(bytes)).toBe(true);
      // Mounting again is harmless.
      expect(await registry.blobs.mount('bl/mount-dst', digest, 'bl/mount-src')).toEqual({
        digest,
        size: 321,
      });
    });

    it('does not mount from a repository that cannot read the blob', async () => {
      const digest = await push('bl/mount-owner', content('mount-denied', 64));
      await registry.uploads.start('bl/mount-bystander');
      expect(await registry.blobs.mount('bl/mount-thief', digest, 'bl/mount-bystander')).toBeUndefined();
      expect(await registry.blobs.mount('bl/mount-thief', digest, 'bl/no-such-repository')).toBeUndefined();
      expect((await rejection(registry.blobs.stat('bl/mount-thief', digest))).kind).toBe('BLOB_UNKNOWN');
    });

    it('does not mount from a repository whose link was deleted', async () => {
      const digest = await push('bl/mount-unlinked', content('mount-unlinked', 64));
      await registry.blobs.delete('bl/mount-unlinked', digest);
      expect(await registry.blobs.mount('bl/mount-after', digest, 'bl/mount-unlinked')).toBeUndefined();
    });

    it('mounts automatically (no from) when the blob exists anywhere', async () => {
      const bytes = content('auto-mount', 4321);
      const digest = await push('bl/auto-src', bytes);
      expect(await registry.blobs.mount('bl/auto-dst', digest)).toEqual({ digest, size: 4321 });
      const blob = await registry.blobs.read('bl/auto-dst', digest, 'bytes=0-9');
      expect((await readAll(await blob.open())).equals(bytes.subarray(0, 10))).toBe(true);
    });

    it('mounts automatically only from the same project: another project may be private', async () => {
      const digest = await push('other-project/secret', content('cross-project', 77));
      expect(await registry.blobs.mount('bl/auto-cross', digest)).toBeUndefined();
    });

    it('does not mount an unknown blob, with or without from', async () => {
      const unknown = digestOf(content('never-pushed', 10));
      await push('bl/unknown-src', content('unrelated', 10));
      expect(await registry.blobs.mount('bl/unknown-dst', unknown)).toBeUndefined();
      expect(await registry.blobs.mount('bl/unknown-dst', unknown, 'bl/unknown-src')).toBeUndefined();
      expect((await rejection(registry.blobs.stat('bl/unknown-dst', unknown))).kind).toBe('BLOB_UNKNOWN');
    });

    it('delete unlinks the blob from one repository only; the bytes stay for GC', async () => {
      const bytes = content('delete', 256);
      const digest = await push('bl/delete-a', bytes);
      await registry.blobs.mount('bl/delete-b', digest, 'bl/delete-a');
      await registry.blobs.delete('bl/delete-a', digest);
      expect((await rejection(registry.blobs.stat('bl/delete-a', digest))).kind).toBe('BLOB_UNKNOWN');
      expect(await registry.blobs.stat('bl/delete-b', digest)).toEqual({ digest, size: 256 });
      expect(await exists(storage, blobDataPath(digest))).toBe(true);
      const again = await rejection(registry.blobs.delete('bl/delete-a', digest));
      expect(again.kind).toBe('BLOB_UNKNOWN');
      expect(again.detail).toEqual({ digest });
    });

    it('a blob pushed again after deletion is readable again', async () => {
      const bytes = content('repush', 256);
      const digest = await push('bl/repush', bytes);
      await registry.blobs.delete('bl/repush', digest);
      await push('bl/repush', bytes);
      expect(await registry.blobs.stat('bl/repush', digest)).toEqual({ digest, size: 256 });
    });

    it('a blob whose bytes vanished from storage fails with BLOB_UNKNOWN on open', async () => {
      const digest = await push('bl/vanished', content('vanished', 32));
      await storage.delete(blobDataPath(digest));
      const blob = await registry.blobs.read('bl/vanished', digest);
      const error = await rejection(blob.open());
      expect(error.kind).toBe('BLOB_UNKNOWN');
      expect(error.message).toBe('blob content is missing');
    });
  });
});
