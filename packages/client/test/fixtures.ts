import { createReadStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildOciLayout, ociBlobPath, type BuiltImage } from '@berth/testing';
import { type RegistryClient } from '../src/index.js';

/** A deterministic multi-arch OCI image (index over two platforms) in a temporary layout. */
export async function multiArchImage(seed: string, layerSizes = [300_000, 70_000]): Promise<BuiltImage> {
  const dir = await mkdtemp(path.join(tmpdir(), 'client-fixture-'));
  return buildOciLayout({ dir, seed, layerSizes, platforms: ['linux/amd64', 'linux/arm64'], gzip: true });
}

/** Pushes a built image with the client: blobs, then platform manifests, then the index, then `tag`. */
export async function pushImage(
  client: RegistryClient,
  repository: string,
  image: BuiltImage,
  tag: string,
  chunkSize?: number,
): Promise<void> {
  for (const platform of image.images) {
    for (const blob of [platform.config, ...platform.layers]) {
      const file = ociBlobPath(image.dir, blob.digest);
      await client.pushBlob(repository, blob.digest, blob.size, () => createReadStream(file), {
        ...(chunkSize !== undefined && { chunkSize }),
      });
    }
    if (image.images.length > 1) {
      await client.putManifest(repository, platform.digest, platform.manifest, platform.mediaType);
    }
  }
  await client.putManifest(repository, tag, image.manifest, image.mediaType);
}

/** Reads a stream to its end; returns its bytes (small blobs only). */
export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
