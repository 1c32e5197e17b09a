import { createHash } from 'node:crypto';
import { seededChunks, seededStream, streamRequest } from '@berth/testing';
import { leanDownload } from './lean-download.js';
import { expectStatus, type LoadClient } from './load.js';
import { type Registry } from './registries.js';

/** Blob push and pull over the OCI distribution API, streaming seeded bytes. */

export const MiB = 1024 * 1024;

/** The digest of `size` seeded bytes, computed by streaming them once (nothing is kept). */
export function seededDigest(seed: string, size: number): string {
  const hash = createHash('sha256');
  for (const chunk of seededChunks(seed, size, 4 * MiB)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

export interface SeededBlob {
  seed: string;
  size: number;
  digest: string;
}

export function seededBlob(seed: string, size: number): SeededBlob {
  return { seed, size, digest: seededDigest(seed, size) };
}

async function startUpload(client: LoadClient, registry: Registry, repository: string, auth: string) {
  const started = expectStatus(
    await client.send({
      method: 'POST',
      url: `${registry.url}/v2/${repository}/blobs/uploads/`,
      headers: { authorization: auth, 'content-length': 0 },
    }),
    `POST ${repository} upload`,
    202,
  );
  const location = started.headers.location;
  if (!location) throw new Error('upload started without Location');
  return new URL(location, registry.url).toString();
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** POST a session, then one PUT with the whole blob streamed as its body (the spec's monolithic upload). */
export async function pushMonolithic(
  client: LoadClient,
  registry: Registry,
  repository: string,
  blob: SeededBlob,
): Promise<void> {
  const auth = await registry.authorization([repository]);
  const location = await startUpload(client, registry, repository, auth);
  const response = await streamRequest(
    'PUT',
    withDigest(location, blob.digest),
    { authorization: auth, 'content-type': 'application/octet-stream', 'content-length': blob.size },
    seededStream(blob.seed, blob.size, MiB),
  );
  if (response.status !== 201) throw new Error(`PUT blob: ${response.status} ${response.text.slice(0, 300)}`);
}

/** POST a session, PATCH `chunkSize` chunks with Content-Range, then PUT ?digest= without a body. */
export async function pushChunked(
  client: LoadClient,
  registry: Registry,
  repository: string,
  blob: SeededBlob,
  chunkSize: number,
): Promise<void> {
  const auth = await registry.authorization([repository]);
  let location = await startUpload(client, registry, repository, auth);
  let offset = 0;
  for (const chunk of seededChunks(blob.seed, blob.size, chunkSize)) {
    const patched = expectStatus(
      await client.send(
        {
          method: 'PATCH',
          url: location,
          headers: {
            authorization: auth,
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + chunk.length - 1}`,
          },
          body: chunk,
        },
        300_000,
      ),
      `PATCH chunk at ${offset}`,
      202,
    );
    offset += chunk.length;
    location = new URL(patched.headers.location ?? location, registry.url).toString();
  }
  expectStatus(
    await client.send({
      method: 'PUT',
      url: withDigest(location, blob.digest),
      headers: { authorization: auth, 'content-length': 0 },
    }),
    'PUT chunked upload',
    201,
  );
}

/** GET the blob, hashing it as it streams (see `leanDownload`); throws unless it is the expected bytes. */
export async function pullBlob(registry: Registry, repository: string, blob: SeededBlob): Promise<void> {
  const auth = await registry.authorization([repository]);
  const result = await leanDownload(`${registry.url}/v2/${repository}/blobs/${blob.digest}`, {
    authorization: auth,
  });
  if (result.status !== 200 || result.digest !== blob.digest || result.bytes !== blob.size) {
    throw new Error(`GET blob: ${result.status}, ${result.bytes} bytes, ${result.digest}`);
  }
}

/** Pushes small in-memory bytes in one POST + PUT (config blobs, small layers). */
export async function pushSmallBlob(
  client: LoadClient,
  registry: Registry,
  repository: string,
  bytes: Buffer,
  auth?: string,
): Promise<string> {
  const authorization = auth ?? (await registry.authorization([repository]));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const location = await startUpload(client, registry, repository, authorization);
  expectStatus(
    await client.send({
      method: 'PUT',
      url: withDigest(location, digest),
      headers: { authorization, 'content-type': 'application/octet-stream' },
      body: bytes,
    }),
    'PUT small blob',
    201,
  );
  return digest;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** An OCI image manifest over a config and layers, as bytes. */
export function imageManifest(
  config: { digest: string; size: number },
  layers: Array<{ digest: string; size: number }>,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer })),
    }),
  );
}

export async function putManifest(
  client: LoadClient,
  registry: Registry,
  repository: string,
  reference: string,
  manifest: Buffer,
  auth?: string,
): Promise<void> {
  const authorization = auth ?? (await registry.authorization([repository]));
  expectStatus(
    await client.send({
      method: 'PUT',
      url: `${registry.url}/v2/${repository}/manifests/${reference}`,
      headers: { authorization, 'content-type': OCI_MANIFEST },
      body: manifest,
    }),
    `PUT manifest ${reference}`,
    201,
  );
}
