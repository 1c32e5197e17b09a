import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { RegistryClient, type Credentials } from '@berth/client';
import { seededBytes } from '@berth/testing';

/** The set replicated: `repositories` × `tagsPerRepository` images of `layers` distinct layers. */
export interface SeedShape {
  repositories: number;
  tagsPerRepository: number;
  layers: number;
  layerSize: number;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface SeededImage {
  repository: string;
  tag: string;
  digest: string;
}

/** `bench/repo-07`: the source repositories, in project `bench`. */
export function repositoryName(index: number): string {
  return `bench/repo-${String(index).padStart(2, '0')}`;
}

function blob(bytes: Buffer): { digest: string; size: number; bytes: Buffer } {
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length, bytes };
}

/**
 * The bytes of one image, all deterministic and distinct from every other image's: layers of
 * seeded bytes (uncompressed OCI layers, as skopeo copies them unchanged), a config naming the
 * image, and the manifest over them.
 */
export function buildImage(shape: SeedShape, repository: string, tag: string) {
  const layers = Array.from({ length: shape.layers }, (_, i) =>
    blob(seededBytes(`replication-bench/${repository}:${tag}/layer-${i}`, shape.layerSize)),
  );
  const config = blob(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { repository, tag } } }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: config.digest,
        size: config.size,
      },
      layers: layers.map(({ digest, size }) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest,
        size,
      })),
    }),
  );
  return { blobs: [...layers, config], manifest };
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Pushes the whole set into the registry at `url` (8 images at a time); returns what it pushed. */
export async function seed(url: string, credentials: Credentials, shape: SeedShape): Promise<SeededImage[]> {
  const client = new RegistryClient({ url, credentials });
  const wanted: { repository: string; tag: string }[] = [];
  for (let r = 0; r < shape.repositories; r += 1) {
    for (let t = 0; t < shape.tagsPerRepository; t += 1)
      wanted.push({ repository: repositoryName(r), tag: `v${t}` });
  }
  const pushed: SeededImage[] = [];
  await inPool(wanted, 8, async ({ repository, tag }) => {
    const image = buildImage(shape, repository, tag);
    for (const { digest, size, bytes } of image.blobs) {
      await client.pushBlob(repository, digest, size, () => Readable.from([bytes]));
    }
    const digest = await client.putManifest(repository, tag, image.manifest, OCI_MANIFEST);
    pushed.push({ repository, tag, digest });
  });
  return pushed.sort((a, b) => `${a.repository}:${a.tag}`.localeCompare(`${b.repository}:${b.tag}`));
}

/**
 * Checks that the registry at `url` holds every seeded image under `rename(repository)`, with
 * the same manifest digest; returns how many it checked.
 */
export async function verifyCopy(
  url: string,
  credentials: Credentials,
  images: readonly SeededImage[],
  rename: (repository: string) => string,
): Promise<number> {
  const client = new RegistryClient({ url, credentials });
  let checked = 0;
  await inPool(images, 8, async ({ repository, tag, digest }) => {
    const found = await client.headManifest(rename(repository), tag);
    if (found?.digest !== digest) {
      throw new Error(`${rename(repository)}:${tag} is ${found?.digest ?? 'missing'}, expected ${digest}`);
    }
    checked += 1;
  });
  return checked;
}
