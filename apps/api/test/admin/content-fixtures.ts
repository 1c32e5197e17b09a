// Content for the repositories and artifacts specs, pushed through /v2/ with @berth/client as a
// client would: images with a real config (os/architecture), indexes over them, and
// accessories (manifests with a subject). Also the paging helpers those specs share.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RegistryClient } from '@berth/client';
import { seededBytes } from '@berth/testing';
import type { AdminClient, AdminResponse } from './admin-client.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Pushed {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  /** The manifest with its config and layer (an index: with its children's). */
  size: number;
}

export interface ImageOptions {
  tags?: string[];
  architecture?: string;
  layerBytes?: number;
  subject?: Pushed;
  artifactType?: string;
}

/** An image of a config and one seeded layer, pushed under each tag (or by digest). */
export async function pushImage(
  client: RegistryClient,
  repository: string,
  label: string,
  options: ImageOptions = {},
): Promise<Pushed> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: 'linux',
      label,
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const layer = seededBytes(`content-fixture:${label}`, options.layerBytes ?? 2048);
  for (const blob of [config, layer]) {
    await client.pushBlob(repository, sha256(blob), blob.length, () => Readable.from([blob]));
  }
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(options.artifactType && { artifactType: options.artifactType }),
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length },
      ],
      ...(options.subject && {
        subject: {
          mediaType: options.subject.mediaType,
          digest: options.subject.digest,
          size: options.subject.bytes.length,
        },
      }),
    }),
  );
  await putEverywhere(client, repository, bytes, OCI_MANIFEST, options.tags);
  return {
    digest: sha256(bytes),
    mediaType: OCI_MANIFEST,
    bytes,
    size: bytes.length + config.length + layer.length,
  };
}

/** An index over `children` (already pushed), with their architectures as platforms. */
export async function pushIndex(
  client: RegistryClient,
  repository: string,
  children: { image: Pushed; architecture: string }[],
  tags: string[] = [],
): Promise<Pushed> {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map(({ image, architecture }) => ({
        mediaType: image.mediaType,
        digest: image.digest,
        size: image.bytes.length,
        platform: { os: 'linux', architecture },
      })),
    }),
  );
  await putEverywhere(client, repository, bytes, OCI_INDEX, tags);
  const size = bytes.length + children.reduce((sum, child) => sum + child.image.size, 0);
  return { digest: sha256(bytes), mediaType: OCI_INDEX, bytes, size };
}

async function putEverywhere(
  client: RegistryClient,
  repository: string,
  bytes: Buffer,
  mediaType: string,
  tags: string[] = [],
) {
  if (tags.length === 0) await client.putManifest(repository, sha256(bytes), bytes, mediaType);
  for (const tag of tags) await client.putManifest(repository, tag, bytes, mediaType);
}

/** The target of the `Link` header's `rel` entry, or undefined. */
export function linkOf(response: AdminResponse, rel: 'next' | 'prev'): string | undefined {
  const header = response.headers.get('link') ?? '';
  return new RegExp(`<([^>]+)>; rel="${rel}"`).exec(header)?.[1];
}

/** Every item of a listing, following `Link: rel="next"` from `path`; also the pages' paths. */
export interface ListedItem {
  name?: string;
  digest?: string;
}

export async function walk(
  client: AdminClient,
  path: string,
): Promise<{ items: ListedItem[]; pages: string[] }> {
  const items: ListedItem[] = [];
  const pages: string[] = [];
  let next: string | undefined = path;
  while (next !== undefined && pages.length < 50) {
    pages.push(next);
    const response = await client.get(next);
    if (response.status !== 200)
      throw new Error(`${next}: ${response.status} ${JSON.stringify(response.body)}`);
    items.push(...(response.body as ListedItem[]));
    next = linkOf(response, 'next');
  }
  return { items, pages };
}

/** Polls `check` until it holds (pull counters are written in batches). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
