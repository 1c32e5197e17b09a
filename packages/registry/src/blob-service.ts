import type { Readable } from 'node:stream';
import { projectOf, RegistryError, type Digest } from '@berth/oci';
import { blobDataPath, PathNotFoundError, type RangeReader } from '@berth/storage';
import { parseRangeHeader, type ByteRange } from './byte-range.js';
import type { RegistryStores } from './registry-stores.js';

export interface BlobDescriptor {
  digest: Digest;
  size: number;
}

/** What a GET of a blob serves: the whole blob or one range of it. */
export interface BlobContent extends BlobDescriptor {
  range?: ByteRange;
  /** Bytes in this response. */
  length: number;
  /** Opens the byte stream; called only once the response headers are settled. */
  open(): Promise<Readable>;
  /** Opens the same bytes for reads into the caller's buffers (see `StorageDriver.rangeReader`). */
  openRange(): Promise<RangeReader>;
}

/** Reading, mounting and unlinking blobs of a repository (spec: "Pulling blobs", "Deleting"). */
export class BlobService {
  constructor(private readonly stores: RegistryStores) {}

  /** The blob's size if the repository may read it; `BLOB_UNKNOWN` otherwise. */
  async stat(repository: string, digest: Digest): Promise<BlobDescriptor> {
    const record = await this.stores.blobs.findInRepository(repository, digest);
    if (!record) throw new RegistryError('BLOB_UNKNOWN', undefined, { detail: { digest } });
    return { digest, size: record.size };
  }

  /** The blob (or the part named by a `Range` header) ready to stream. */
  async read(repository: string, digest: Digest, rangeHeader?: string): Promise<BlobContent> {
    const blob = await this.stat(repository, digest);
    const range = parseRangeHeader(rangeHeader, blob.size);
    const length = range ? range.end - range.start + 1 : blob.size;
    const path = blobDataPath(digest);
    return {
      ...blob,
      ...(range && { range }),
      length,
      open: () => missingAsUnknown(this.stores.storage.reader(path, range?.start ?? 0, length)),
      openRange: () => missingAsUnknown(this.stores.storage.rangeReader(path, range?.start ?? 0, length)),
    };
  }

  /**
   * Links an existing blob into `repository` without moving bytes. With `from`, the blob must
   * be readable in that repository (the caller checked the client may read `from`); without it
   * (automatic mount), it must be in a repository of the same project, which whoever may push
   * here may read. Returns `undefined` when the blob cannot be mounted, so the caller starts an
   * upload instead.
   */
  async mount(repository: string, digest: Digest, from?: string): Promise<BlobDescriptor | undefined> {
    const record =
      from === undefined
        ? await this.stores.blobs.findInProject(projectOf(repository), digest)
        : await this.stores.blobs.findInRepository(from, digest);
    if (!record) return undefined;
    const repositoryId = await this.stores.repositories.ensure(repository);
    // Collected since the lookup: the client uploads instead.
    if (!(await this.stores.blobs.linkExisting(repositoryId, digest))) return undefined;
    return { digest, size: record.size };
  }

  /** Unlinks the blob from the repository. The bytes stay until garbage collection. */
  async delete(repository: string, digest: Digest): Promise<void> {
    if (!(await this.stores.blobs.unlink(repository, digest))) {
      throw new RegistryError('BLOB_UNKNOWN', undefined, { detail: { digest } });
    }
  }
}

/** A row without bytes is a bug or an operator's deletion: tell the client plainly. */
async function missingAsUnknown<T>(opening: Promise<T>): Promise<T> {
  try {
    return await opening;
  } catch (error) {
    if (error instanceof PathNotFoundError)
      throw new RegistryError('BLOB_UNKNOWN', 'blob content is missing');
    throw error;
  }
}
