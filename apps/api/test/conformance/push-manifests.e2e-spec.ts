// OCI Distribution Spec v1.1, "Push" → "Pushing Manifests" (end-7) and the manifest rules of
// "Push"; end-7b (`?tag=` on a push by digest, answered with OCI-Tag) is from the spec's main branch.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  bareMediaType,
  bytesOf,
  descriptor,
  digestOf,
  expectError,
  headerList,
  imageIndex,
  imageManifest,
  jsonBytes,
  manifestOf,
  MediaType,
  OciClient,
  randomBytes,
  randomHex,
  randomRepo,
  unknownDigest,
  utf8,
  type Descriptor,
  type Manifest,
} from './oci-client.js';
import { registryUnderTest } from './registry-under-test.js';

const registry = registryUnderTest({ projects: ['conformance'] });
const client = new OciClient(registry);
const repo = randomRepo('manifests');
const MiB = 1024 * 1024;

let config: Descriptor;
let layer: Descriptor;
let dockerConfig: Descriptor;
let dockerLayer: Descriptor;

beforeAll(async () => {
  config = await client.pushBlobDescriptor(
    repo,
    MediaType.ociConfig,
    jsonBytes({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  layer = await client.pushBlobDescriptor(repo, MediaType.ociLayer, randomBytes(2000));
  dockerConfig = { ...config, mediaType: MediaType.dockerConfig };
  dockerLayer = { ...layer, mediaType: MediaType.dockerLayer };
});

/** A fresh image manifest (distinct digest each call) over the repository's config and layer. */
function freshManifest(extra: Record<string, string> = {}): Manifest {
  return imageManifest({
    config,
    layers: [layer],
    annotations: { 'org.example.nonce': randomHex(), ...extra },
  });
}

async function expectManifestBytes(reference: string, manifest: Manifest): Promise<void> {
  const response = await client.getManifest(repo, reference);
  expect(response.status).toBe(200);
  expect(Buffer.from(await bytesOf(response)).equals(Buffer.from(manifest.bytes))).toBe(true);
  expect(bareMediaType(response.headers.get('content-type'))).toBe(manifest.mediaType);
}

/** A manifest of exactly `size` bytes (padded through an annotation). */
function manifestOfSize(size: number): Manifest {
  const build = (pad: string) =>
    jsonBytes({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config,
      layers: [layer],
      annotations: { 'org.example.padding': pad },
    });
  const overhead = build('').byteLength;
  const bytes = build('x'.repeat(size - overhead));
  expect(bytes.byteLength).toBe(size);
  return manifestOf(MediaType.ociManifest, bytes);
}

describe('Pushing manifests (end-7)', () => {
  it('end-7: PUT by tag answers 201 with a pullable Location and Docker-Content-Digest', async () => {
    const manifest = freshManifest();
    const response = await client.putManifest(repo, 'by-tag', manifest.bytes, manifest.mediaType);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    const location = response.headers.get('location');
    expect(location).toBeTruthy();
    const pulled = await client.request('GET', location!, { headers: { Accept: MediaType.ociManifest } });
    expect(pulled.status).toBe(200);
    expect(Buffer.from(await bytesOf(pulled)).equals(Buffer.from(manifest.bytes))).toBe(true);
    await expectManifestBytes('by-tag', manifest);
  });

  it('end-7: PUT by digest answers 201; Docker-Content-Digest equals the digest the client gave', async () => {
    const manifest = freshManifest();
    const response = await client.putManifest(repo, manifest.digest, manifest.bytes, manifest.mediaType);
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBeTruthy();
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    await expectManifestBytes(manifest.digest, manifest);
  });

  it('end-7: the registry stores the exact bytes (whitespace, key order, escapes) and GET returns them', async () => {
    const text =
      '{\n   "schemaVersion" : 2,\r\n\t"mediaType": "application/vnd.oci.image.manifest.v1+json",\n' +
      `  "layers": [ ${JSON.stringify(layer)} ],\n  "config":${JSON.stringify(config)},\n` +
      `  "annotations": {"org.example.text": "caf\\u00e9 \u2603 ${randomHex()}"}\n}\n\n`;
    const manifest = manifestOf(MediaType.ociManifest, utf8(text));
    const response = await client.putManifest(repo, 'odd-bytes', manifest.bytes, manifest.mediaType);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    await expectManifestBytes('odd-bytes', manifest);
    await expectManifestBytes(manifest.digest, manifest);
  });

  it('end-7: a Docker schema 2 manifest is stored and served with its own Content-Type', async () => {
    const manifest = imageManifest({
      mediaType: MediaType.dockerManifest,
      config: dockerConfig,
      layers: [dockerLayer],
    });
    expect((await client.putManifest(repo, 'docker', manifest.bytes, manifest.mediaType)).status).toBe(201);
    await expectManifestBytes('docker', manifest);
  });

  it('end-7: an image index whose children exist is accepted and served as an index', async () => {
    const child = freshManifest();
    await client.pushManifest(repo, child);
    const index = imageIndex({ manifests: [child.descriptor] });
    const response = await client.putManifest(repo, 'index', index.bytes, index.mediaType);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(index.digest);
    await expectManifestBytes('index', index);
  });

  it('end-7: PUT of another manifest under an existing tag moves the tag', async () => {
    const first = freshManifest();
    const second = freshManifest();
    await client.pushManifest(repo, first, 'moving');
    await client.pushManifest(repo, second, 'moving');
    await expectManifestBytes('moving', second);
    await expectManifestBytes(first.digest, first);
  });

  it('end-7: the registry SHOULD ignore parameters on the Content-Type header', async () => {
    const manifest = freshManifest();
    const response = await client.putManifest(
      repo,
      'with-params',
      manifest.bytes,
      `${MediaType.ociManifest}; charset=utf-8`,
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    await expectManifestBytes('with-params', manifest);
  });

  it('end-7b (spec main): PUT by digest with ?tag=a&tag=b answers 201 with OCI-Tag for each tag, and both tags resolve', async () => {
    const manifest = freshManifest();
    const tags = ['1.2.3', '1.2', 'latest'];
    const response = await client.putManifest(repo, manifest.digest, manifest.bytes, manifest.mediaType, {
      tag: tags,
    });
    expect(response.status).toBe(201);
    expect(headerList(response.headers.get('oci-tag')).sort()).toEqual([...tags].sort());
    for (const tag of tags) await expectManifestBytes(tag, manifest);
  });
});

describe('Manifests the registry must refuse', () => {
  it('Pushing Manifests: a Content-Type that differs from the mediaType field answers 400 MANIFEST_INVALID', async () => {
    const manifest = freshManifest();
    const response = await client.putManifest(repo, 'mismatch', manifest.bytes, MediaType.dockerManifest);
    await expectError(response, 400, 'MANIFEST_INVALID');
    expect((await client.getManifest(repo, 'mismatch')).status).toBe(404);
  });

  it('Push: a layer that does not exist answers 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const missing = descriptor(MediaType.ociLayer, randomBytes(64));
    const manifest = imageManifest({ config, layers: [layer, missing] });
    await expectError(
      await client.putManifest(repo, 'missing-layer', manifest.bytes, manifest.mediaType),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    expect((await client.getManifest(repo, 'missing-layer')).status).toBe(404);
  });

  it('Push: a config that does not exist answers 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const missing = descriptor(MediaType.ociConfig, jsonBytes({ missing: randomHex() }));
    const manifest = imageManifest({ config: missing, layers: [layer] });
    await expectError(
      await client.putManifest(repo, 'missing-config', manifest.bytes, manifest.mediaType),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
  });

  it('Push: an image index with a child manifest that does not exist answers 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const present = freshManifest();
    await client.pushManifest(repo, present);
    const index = imageIndex({
      manifests: [
        present.descriptor,
        { mediaType: MediaType.ociManifest, digest: unknownDigest(), size: 321 },
      ],
    });
    await expectError(
      await client.putManifest(repo, 'missing-child', index.bytes, index.mediaType),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
  });

  it('Push: a subject that does not exist is accepted (201), so referrers can be pushed first', async () => {
    const subject: Descriptor = { mediaType: MediaType.ociManifest, digest: unknownDigest(), size: 1234 };
    const manifest = imageManifest({ config, layers: [layer], subject });
    const response = await client.putManifest(repo, manifest.digest, manifest.bytes, manifest.mediaType);
    expect(response.status).toBe(201);
    await expectManifestBytes(manifest.digest, manifest);
  });

  it('end-7: PUT by digest with bytes of another digest answers 400 DIGEST_INVALID', async () => {
    const manifest = freshManifest();
    const response = await client.putManifest(repo, unknownDigest(), manifest.bytes, manifest.mediaType);
    await expectError(response, 400, 'DIGEST_INVALID');
    expect((await client.getManifest(repo, manifest.digest)).status).toBe(404);
  });

  it('end-7: malformed JSON answers 400 MANIFEST_INVALID', async () => {
    const bytes = utf8(
      '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {',
    );
    await expectError(
      await client.putManifest(repo, 'broken', bytes, MediaType.ociManifest),
      400,
      'MANIFEST_INVALID',
    );
  });

  it('end-7: a manifest of exactly 4 MiB is accepted (SHOULD support at least 4 megabytes)', async () => {
    const manifest = manifestOfSize(4 * MiB);
    const response = await client.putManifest(repo, 'four-mib', manifest.bytes, manifest.mediaType);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    const head = await client.getManifest(repo, 'four-mib', 'HEAD');
    expect(head.headers.get('content-length')).toBe(String(4 * MiB));
  });

  it('end-7: a manifest over the 4 MiB limit answers 413 Payload Too Large and is not stored', async () => {
    const manifest = manifestOfSize(4 * MiB + 1);
    const response = await client.putManifest(repo, 'too-big', manifest.bytes, manifest.mediaType);
    expect(response.status).toBe(413);
    await response.arrayBuffer().catch(() => undefined);
    expect((await client.getManifest(repo, 'too-big', 'HEAD')).status).toBe(404);
  });

  it('end-7: the digest in Docker-Content-Digest is the sha256 of the exact bytes pushed', async () => {
    const bytes = utf8(`${new TextDecoder().decode(freshManifest().bytes)}   `);
    const response = await client.putManifest(repo, 'trailing-space', bytes, MediaType.ociManifest);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(digestOf(bytes));
  });
});
