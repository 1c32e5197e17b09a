// Pushing small images over HTTP for the GC specs: blobs in one monolithic PUT each, then the
// manifest. `registry.fetch` answers the token challenges.
import { createHash, randomBytes } from 'node:crypto';
import { locationOf, withQuery, type RegistryUnderTest } from '@berth/testing';

export interface Blob {
  digest: string;
  size: number;
  bytes: Buffer;
}

export interface PushedImage {
  repository: string;
  tag: string;
  digest: string;
  config: Blob;
  layers: Blob[];
}

export function blobOf(bytes: Buffer): Blob {
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length, bytes };
}

export function randomBlob(size = 1024): Blob {
  return blobOf(randomBytes(size));
}

export async function pushBlob(registry: RegistryUnderTest, repository: string, blob: Blob): Promise<void> {
  const start = await registry.fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`upload start: ${start.status} ${await start.text()}`);
  const put = await registry.fetch(withQuery(locationOf(start, registry.url), { digest: blob.digest }), {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: blob.bytes,
  });
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${await put.text()}`);
}

/** Pushes the layers, a config and an OCI image manifest tagged `tag`. */
export async function pushImage(
  registry: RegistryUnderTest,
  repository: string,
  tag: string,
  layers: Blob[],
): Promise<PushedImage> {
  const config = blobOf(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', tag, nonce: randomBytes(8).toString('hex') }),
    ),
  );
  for (const blob of [...layers, config]) await pushBlob(registry, repository, blob);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: config.digest,
        size: config.size,
      },
      layers: layers.map((layer) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: layer.digest,
        size: layer.size,
      })),
    }),
  );
  const put = await registry.fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (put.status !== 201) throw new Error(`manifest: ${put.status} ${await put.text()}`);
  return { repository, tag, digest: blobOf(manifest).digest, config, layers };
}

/** The status of GET on a blob, and whether the bytes match when it is there. */
export async function fetchBlob(
  registry: RegistryUnderTest,
  repository: string,
  blob: Blob,
): Promise<{ status: number; intact: boolean }> {
  const response = await registry.fetch(`${registry.url}/v2/${repository}/blobs/${blob.digest}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, intact: response.status === 200 && blobOf(bytes).digest === blob.digest };
}

/** Pulls an image completely: its manifest by tag, then every blob, checking each digest. */
export async function pullsCompletely(registry: RegistryUnderTest, image: PushedImage): Promise<boolean> {
  const manifest = await registry.fetch(`${registry.url}/v2/${image.repository}/manifests/${image.tag}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  await manifest.arrayBuffer();
  if (manifest.status !== 200) return false;
  for (const blob of [image.config, ...image.layers]) {
    if (!(await fetchBlob(registry, image.repository, blob)).intact) return false;
  }
  return true;
}
