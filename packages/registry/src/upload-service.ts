import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Digester, digestAlgorithm, RegistryError, type Digest } from '@berth/oci';
import { blobDataPath, PathNotFoundError, uploadDataPath, uploadDir, type FileWriter } from '@berth/storage';
import type { ByteRange } from './byte-range.js';
import type { RegistryStores } from './registry-stores.js';
import { streamInto } from './stream-into.js';
import { UploadHashers } from './upload-hashers.js';

/** Session ids are UUIDs Berth made; anything else in a URL is refused before a query. */
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface UploadStatus {
  id: string;
  /** Bytes received so far. */
  size: number;
}

/**
 * Blob upload sessions (spec: "Pushing blobs"). The session row lives in the database and the
 * bytes in storage, so any replica can continue an upload and a restart loses nothing. The
 * final digest is always verified before a blob becomes visible.
 */
export class UploadService {
  private readonly hashers = new UploadHashers();

  constructor(private readonly stores: RegistryStores) {}

  async start(repository: string): Promise<UploadStatus> {
    const repositoryId = await this.stores.repositories.ensure(repository);
    const id = randomUUID();
    await this.stores.storage.putContent(uploadDataPath(id), Buffer.alloc(0));
    await this.stores.uploads.create(id, repositoryId);
    return { id, size: 0 };
  }

  async status(repository: string, id: string): Promise<UploadStatus> {
    await this.session(repository, id);
    return { id, size: await this.storedSize(id) };
  }

  /**
   * Appends a chunk. With `range`, the chunk must start exactly where the upload ends, else
   * `RANGE_NOT_SATISFIABLE` carrying the current `Range`.
   */
  async append(repository: string, id: string, body: Readable, range?: ByteRange): Promise<UploadStatus> {
    const session = await this.session(repository, id);
    const writer = await this.openWriter(id);
    await this.assertChunkStart(repository, id, writer, range);
    const size = await this.receive(id, writer, body);
    await this.stores.uploads.touch(session.id, size);
    return { id, size };
  }

  /** Appends the optional last chunk, verifies `digest`, and makes the blob visible. */
  async complete(
    repository: string,
    id: string,
    digest: Digest,
    body?: Readable,
    range?: ByteRange,
  ): Promise<{ digest: Digest; size: number }> {
    const session = await this.session(repository, id);
    let digester: Digester | undefined;
    let size: number;
    if (body !== undefined) {
      const writer = await this.openWriter(id);
      await this.assertChunkStart(repository, id, writer, range);
      size = await this.receive(id, writer, body, true);
    } else {
      // PATCHes only close their writes; the bytes become durable before the blob is visible.
      const writer = await this.openWriter(id);
      await writer.commit();
      size = writer.size;
    }
    digester = this.hashers.take(id, size);
    if (digester === undefined || digester.algorithm !== digestAlgorithm(digest)) {
      digester = await this.rehash(id, digestAlgorithm(digest));
    }
    const actual = digester.digest();
    if (actual !== digest) {
      await this.discard(id);
      throw new RegistryError('DIGEST_INVALID', `upload digest is ${actual}, not ${digest}`);
    }
    await this.stores.blobs.publish(session.repositoryId, digest, size, () =>
      this.placeBytes(uploadDataPath(id), digest),
    );
    await this.discard(id);
    return { digest, size };
  }

  /**
   * A whole blob in one request (`POST ?digest=`): hashed while written, verified, published.
   * No session row is needed, since nothing can continue it.
   */
  async monolithic(
    repository: string,
    digest: Digest,
    body: Readable,
  ): Promise<{ digest: Digest; size: number }> {
    const repositoryId = await this.stores.repositories.ensure(repository);
    const id = randomUUID();
    const path = uploadDataPath(id);
    const writer = await this.stores.storage.writer(path, false);
    const digester = new Digester(digestAlgorithm(digest));
    try {
      await streamInto(body, writer, digester);
      await writer.commit();
    } catch (error) {
      await writer.cancel().catch(() => undefined);
      throw error;
    }
    const actual = digester.digest();
    if (actual !== digest) {
      await this.removeUploadBytes(id);
      throw new RegistryError('DIGEST_INVALID', `upload digest is ${actual}, not ${digest}`);
    }
    await this.stores.blobs.publish(repositoryId, digest, digester.size, () => this.placeBytes(path, digest));
    await this.removeUploadBytes(id);
    return { digest, size: digester.size };
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.session(repository, id);
    await this.discard(id);
  }

  /** A chunk with a Content-Range must start where the upload ends (spec: 416 otherwise). */
  private async assertChunkStart(repository: string, id: string, writer: FileWriter, range?: ByteRange) {
    if (range === undefined || range.start === writer.size) return;
    await writer.close();
    throw new RegistryError(
      'RANGE_NOT_SATISFIABLE',
      `chunk starts at ${range.start}, upload is at ${writer.size}`,
      {
        headers: rangeHeaders(repository, id, writer.size),
      },
    );
  }

  private async session(repository: string, id: string) {
    const session = UPLOAD_ID.test(id) ? await this.stores.uploads.find(id, repository) : undefined;
    if (!session) throw new RegistryError('BLOB_UPLOAD_UNKNOWN');
    return session;
  }

  private async openWriter(id: string): Promise<FileWriter> {
    try {
      return await this.stores.storage.writer(uploadDataPath(id), true);
    } catch (error) {
      if (error instanceof PathNotFoundError) throw new RegistryError('BLOB_UPLOAD_UNKNOWN');
      throw error;
    }
  }

  private async storedSize(id: string): Promise<number> {
    try {
      return (await this.stores.storage.stat(uploadDataPath(id))).size;
    } catch (error) {
      if (error instanceof PathNotFoundError) throw new RegistryError('BLOB_UPLOAD_UNKNOWN');
      throw error;
    }
  }

  /** Streams a body into the writer, hashing in the same pass when this process can. */
  private async receive(id: string, writer: FileWriter, body: Readable, durable = false): Promise<number> {
    const digester = this.hashers.take(id, writer.size);
    try {
      await streamInto(body, writer, digester);
      await (durable ? writer.commit() : writer.close());
    } catch (error) {
      this.hashers.forget(id);
      // Keep what arrived: the client resumes from the Range it is told.
      await writer.close().catch(() => undefined);
      throw error;
    }
    if (digester) this.hashers.keep(id, digester);
    return writer.size;
  }

  private async rehash(id: string, algorithm: Digester['algorithm']): Promise<Digester> {
    const digester = new Digester(algorithm);
    for await (const chunk of await this.stores.storage.reader(uploadDataPath(id))) {
      digester.update(chunk as Buffer);
    }
    return digester;
  }

  /** Moves verified bytes to their content address; the same content already there wins. */
  private async placeBytes(source: string, digest: Digest): Promise<void> {
    const target = blobDataPath(digest);
    try {
      await this.stores.storage.stat(target);
    } catch (error) {
      if (!(error instanceof PathNotFoundError)) throw error;
      await this.stores.storage.move(source, target);
    }
  }

  private async discard(id: string): Promise<void> {
    this.hashers.forget(id);
    await this.stores.uploads.delete(id);
    await this.removeUploadBytes(id);
  }

  private async removeUploadBytes(id: string): Promise<void> {
    await this.stores.storage.delete(uploadDir(id)).catch((error: unknown) => {
      if (!(error instanceof PathNotFoundError)) throw error;
    });
  }
}

/** Headers that tell a client where an upload stands. */
export function rangeHeaders(repository: string, id: string, size: number): Record<string, string> {
  return {
    Location: `/v2/${repository}/blobs/uploads/${id}`,
    Range: `0-${Math.max(size - 1, 0)}`,
    'Docker-Upload-UUID': id,
  };
}
