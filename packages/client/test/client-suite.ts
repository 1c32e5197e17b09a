import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { digestOf, MediaType } from '@berth/oci';
import { seededBytes, type Credentials } from '@berth/testing';
import { RegistryClient, RegistryClientError, type RegistryClientOptions } from '../src/index.js';
import { collect, multiArchImage, pushImage, readAll } from './fixtures.js';

/** A registry the suite runs against, with a repository namespace it may push to. */
export interface SuiteTarget {
  url: string;
  credentials: Credentials;
  /** Repository names the suite may use (Berth: inside a project). */
  repository(name: string): string;
  /** Whether the registry pages tags lists itself (Distribution 2.8 does not). */
  pagesTags: boolean;
  close(): Promise<void>;
}

/**
 * The client's behaviour against one real registry. Each registry-specific spec runs it and adds
 * what only that registry has.
 */
export function describeClientSuite(name: string, start: () => Promise<SuiteTarget>): void {
  jest.setTimeout(60_000);
  let target: SuiteTarget;
  let client: RegistryClient;
  const requests: string[] = [];
  const nonce = randomBytes(3).toString('hex');

  const counting: typeof fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${input instanceof Request ? input.url : input.toString()}`);
    return fetch(input, init);
  };
  const make = (options: Partial<RegistryClientOptions> = {}) =>
    new RegistryClient({ url: target.url, credentials: target.credentials, fetch: counting, ...options });

  beforeAll(async () => {
    target = await start();
    client = make();
  }, 120_000);

  afterAll(async () => {
    await target?.close();
  });

  describe(`${name}: blobs`, () => {
    it('pushes a blob monolithically (POST + one PUT) and pulls it back byte-exact', async () => {
      const repository = target.repository(`mono-${nonce}`);
      const bytes = seededBytes(`mono-${nonce}`, 300_000);
      const digest = digestOf(bytes);
      requests.length = 0;
      const result = await client.pushBlob(repository, digest, bytes.length, () => Readable.from([bytes]));
      expect(result).toEqual({ digest, size: bytes.length, mounted: false });
      expect(requests.filter((line) => line.startsWith('PATCH'))).toEqual([]);
      expect(await client.headBlob(repository, digest)).toBe(bytes.length);
      expect((await readAll(await client.getBlob(repository, digest))).equals(bytes)).toBe(true);
    });

    it('pushes a blob in 1 MiB chunks (PATCH with Content-Range) and pulls it back byte-exact', async () => {
      const repository = target.repository(`chunked-${nonce}`);
      const size = 3.5 * 1024 * 1024;
      const bytes = seededBytes(`chunked-${nonce}`, size);
      const digest = digestOf(bytes);
      requests.length = 0;
      // The source hands out odd-sized pieces: chunks must still be exactly 1 MiB.
      const pieces = () =>
        Readable.from([...Array(70).keys()].map((i) => bytes.subarray(i * 52_429, (i + 1) * 52_429)));
      await client.pushBlob(repository, digest, size, pieces, { chunkSize: 1024 * 1024 });
      expect(requests.filter((line) => line.startsWith('PATCH'))).toHaveLength(4);
      const pulled = await readAll(await client.getBlob(repository, digest));
      expect(createHash('sha256').update(pulled).digest('hex')).toBe(digest.slice(7));
      const tail = await readAll(await client.getBlob(repository, digest, { range: { start: size - 10 } }));
      expect(tail.equals(bytes.subarray(size - 10))).toBe(true);
    });

    it('mounts a blob from another repository, and says false for one the source lacks', async () => {
      const from = target.repository(`mount-src-${nonce}`);
      const to = target.repository(`mount-dst-${nonce}`);
      const bytes = seededBytes(`mount-${nonce}`, 10_000);
      const digest = digestOf(bytes);
      await client.pushBlob(from, digest, bytes.length, () => Readable.from([bytes]));
      expect(await client.blobExists(to, digest)).toBe(false);
      expect(await client.mountBlob(to, digest, from)).toBe(true);
      expect(await client.blobExists(to, digest)).toBe(true);
      expect(await client.mountBlob(to, digestOf(Buffer.from(`absent-${nonce}`)), from)).toBe(false);
    });

    it('fails a pull whose bytes do not match the digest asked for', async () => {
      const repository = target.repository(`verify-${nonce}`);
      const bytes = seededBytes(`verify-${nonce}`, 5_000);
      await client.pushBlob(repository, digestOf(bytes), bytes.length, () => Readable.from([bytes]));
      const stream = await client.getBlob(repository, digestOf(bytes), { size: bytes.length + 1 });
      await expect(readAll(stream)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    });

    it('refuses a push whose content does not match its digest', async () => {
      const repository = target.repository(`bad-${nonce}`);
      const bytes = seededBytes(`bad-${nonce}`, 5_000);
      const wrong = digestOf(Buffer.from('something else'));
      await expect(
        client.pushBlob(repository, wrong, bytes.length, () => Readable.from([bytes])),
      ).rejects.toMatchObject({
        status: 400,
      });
      expect(await client.blobExists(repository, wrong)).toBe(false);
    });
  });

  describe(`${name}: manifests and tags`, () => {
    it('pushes a multi-arch index and pulls every manifest back with its digest', async () => {
      const repository = target.repository(`image-${nonce}`);
      const image = await multiArchImage(`suite-${nonce}`);
      await pushImage(client, repository, image, 'v1', 128 * 1024);
      const index = await client.getManifest(repository, 'v1');
      expect(index).toEqual({ digest: image.digest, mediaType: MediaType.OciIndex, bytes: image.manifest });
      for (const platform of image.images) {
        const manifest = await client.getManifest(repository, platform.digest);
        expect(manifest.bytes.equals(platform.manifest)).toBe(true);
        expect(await client.headManifest(repository, platform.digest)).toMatchObject({
          digest: platform.digest,
          size: platform.size,
        });
      }
      expect(await client.headManifest(repository, 'absent')).toBeUndefined();
      await expect(client.getManifest(repository, 'absent')).rejects.toMatchObject({ status: 404 });
    });

    it('lists every tag across pages', async () => {
      const repository = target.repository(`tags-${nonce}`);
      const image = await multiArchImage(`tags-${nonce}`, [1000]);
      const tags = ['a1', 'b2', 'c3', 'd4', 'e5'];
      await pushImage(client, repository, image, tags[0]!);
      for (const tag of tags.slice(1))
        await client.putManifest(repository, tag, image.manifest, image.mediaType);
      requests.length = 0;
      expect((await collect(client.listTags(repository, { pageSize: 2 }))).sort()).toEqual(tags);
      const pages = requests.filter((line) => line.includes('/tags/list') && !line.startsWith('HEAD')).length;
      if (target.pagesTags) expect(pages).toBeGreaterThanOrEqual(3);
      expect(await collect(client.catalog({ pageSize: 1 }))).toContain(repository);
    });

    it('deletes a manifest by digest', async () => {
      const repository = target.repository(`delete-${nonce}`);
      const image = await multiArchImage(`delete-${nonce}`, [1000]);
      await pushImage(client, repository, image, 'gone');
      await client.deleteManifest(repository, image.digest);
      expect(await client.headManifest(repository, image.digest)).toBeUndefined();
    });
  });

  describe(`${name}: authentication`, () => {
    it('reports wrong credentials as a 401 RegistryClientError without the password', async () => {
      const password = `wrong-${nonce}-pa55word`;
      const bad = make({ credentials: { username: target.credentials.username, password } });
      const failure = await bad
        .headBlob(target.repository('any'), digestOf(Buffer.from('x')))
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RegistryClientError);
      const error = failure as RegistryClientError;
      expect(error.status).toBe(401);
      expect(error.code).toBe('UNAUTHORIZED');
      expect(`${error.message} ${error.url} ${JSON.stringify(error.detail ?? null)}`).not.toContain(password);
      expect(error.stack ?? '').not.toContain(password);
    });
  });
}
