// Small OCI graphs for the replication specs, pushed with @berth/client: images, two-platform
// indexes, signature-like artifacts with a `subject`; and a check that a copy is whole, every
// manifest and blob present and every blob's bytes matching its digest.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RegistryClient } from '@berth/client';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** The artifact type of the signature-like referrers pushed here. */
export const SIGNATURE_TYPE = 'application/vnd.example.signature.v1';

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function pushBlob(
  client: RegistryClient,
  repository: string,
  bytes: Buffer,
): Promise<{ digest: string; size: number }> {
  const digest = digestOf(bytes);
  await client.pushBlob(repository, digest, bytes.length, () => Readable.from([bytes]));
  return { digest, size: bytes.length };
}

/**
 * An OCI image manifest with random layers of `layerSize` bytes, pushed under `tag` (or by
 * digest when omitted); returns its digest.
 */
export async function pushImage(
  client: RegistryClient,
  repository: string,
  tag?: string,
  options: { arch?: string; layers?: number; layerSize?: number } = {},
): Promise<string> {
  const layers = [];
  for (let i = 0; i < (options.layers ?? 1); i += 1) {
    layers.push(await pushBlob(client, repository, randomBytes(options.layerSize ?? 2048)));
  }
  const config = await pushBlob(
    client,
    repository,
    Buffer.from(
      JSON.stringify({
        architecture: options.arch ?? 'amd64',
        os: 'linux',
        nonce: randomBytes(8).toString('hex'),
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer })),
    }),
  );
  return client.putManifest(repository, tag ?? digestOf(manifest), manifest, OCI_MANIFEST);
}

/** A two-platform OCI index (amd64, arm64) tagged `tag`; returns its digest. */
export async function pushIndex(client: RegistryClient, repository: string, tag: string): Promise<string> {
  const manifests = [];
  for (const architecture of ['amd64', 'arm64']) {
    const digest = await pushImage(client, repository, undefined, { arch: architecture });
    const head = await client.headManifest(repository, digest);
    manifests.push({
      mediaType: OCI_MANIFEST,
      digest,
      size: head!.size,
      platform: { architecture, os: 'linux' },
    });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  return client.putManifest(repository, tag, index, OCI_INDEX);
}

/**
 * A signature-like artifact (cosign's shape in OCI 1.1: an image manifest with `artifactType`,
 * the empty config and one layer) whose `subject` is `subject`; returns its digest.
 */
export async function pushSignature(
  client: RegistryClient,
  repository: string,
  subject: string,
): Promise<string> {
  const head = await client.headManifest(repository, subject);
  if (!head) throw new Error(`no manifest ${subject} in ${repository}`);
  const empty = await pushBlob(client, repository, Buffer.from('{}'));
  const payload = await pushBlob(
    client,
    repository,
    Buffer.from(
      JSON.stringify({
        critical: { image: { 'docker-manifest-digest': subject } },
        nonce: randomBytes(8).toString('hex'),
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: SIGNATURE_TYPE,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
      layers: [{ mediaType: 'application/vnd.example.signature.payload.v1+json', ...payload }],
      subject: { mediaType: head.mediaType, digest: subject, size: head.size },
    }),
  );
  return client.putManifest(repository, digestOf(manifest), manifest, OCI_MANIFEST);
}

interface ParsedManifest {
  manifests?: { digest: string }[];
  config?: { digest: string; size: number };
  layers?: { digest: string; size: number }[];
}

/**
 * Walks the graph of `reference` in `client`/`repository` and reads every blob to its end (the
 * client verifies each digest while streaming). Returns the digests of the manifests and blobs
 * found; throws when anything is missing or corrupt.
 */
export async function readWholeGraph(
  client: RegistryClient,
  repository: string,
  reference: string,
): Promise<{ manifests: string[]; blobs: string[] }> {
  const found = { manifests: [] as string[], blobs: [] as string[] };
  const visit = async (ref: string): Promise<void> => {
    const manifest = await client.getManifest(repository, ref);
    found.manifests.push(manifest.digest);
    const parsed = JSON.parse(manifest.bytes.toString()) as ParsedManifest;
    for (const child of parsed.manifests ?? []) await visit(child.digest);
    for (const blob of [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])]) {
      const stream = await client.getBlob(repository, blob.digest, { size: blob.size });
      for await (const chunk of stream) void chunk; // the verifier throws at the end on a mismatch
      found.blobs.push(blob.digest);
    }
  };
  await visit(reference);
  return found;
}
