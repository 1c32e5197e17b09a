// OCI Distribution Spec v1.1, "Pull" (end-1, end-2, end-3) and "Determining Support".
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  bareMediaType,
  bytesOf,
  digestOf,
  expectError,
  imageIndex,
  imageManifest,
  MediaType,
  OciClient,
  randomBytes,
  randomRepo,
  unknownDigest,
  utf8,
  type Descriptor,
  type Manifest,
} from './oci-client.js';
import { registryUnderTest } from './registry-under-test.js';

const registry = registryUnderTest({ projects: ['conformance'] });
const client = new OciClient(registry);
const repo = randomRepo('pull');
const TAG = 'v1';
const INDEX_TAG = 'multi';

// A layer big enough for meaningful ranges, not so big that the suite gets slow.
const layerBytes = randomBytes(64 * 1024 + 123);
let layer: Descriptor;
let config: Descriptor;
let manifest: Manifest;
let index: Manifest;

beforeAll(async () => {
  config = await client.pushBlobDescriptor(
    repo,
    MediaType.ociConfig,
    utf8(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })),
  );
  layer = await client.pushBlobDescriptor(repo, MediaType.ociLayer, layerBytes);
  manifest = imageManifest({ config, layers: [layer], annotations: { 'org.example.pull': 'yes' } });
  await client.pushManifest(repo, manifest, TAG);
  index = imageIndex({
    manifests: [{ ...manifest.descriptor, platform: { architecture: 'amd64', os: 'linux' } } as Descriptor],
  });
  await client.pushManifest(repo, index, INDEX_TAG);
});

describe('Determining support (end-1)', () => {
  it('end-1: GET /v2/ answers 200 OK', async () => {
    const response = await client.request('GET', '/v2/');
    expect(response.status).toBe(200);
  });

  it('end-1 (API Version Check, apdx-1): /v2/ carries Docker-Distribution-API-Version: registry/2.0', async () => {
    const response = await client.request('GET', '/v2/');
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});

describe('Pulling manifests (end-3)', () => {
  it('end-3: GET by tag answers 200 with the pushed bytes, Content-Type, Docker-Content-Digest, Content-Length', async () => {
    const response = await client.getManifest(repo, TAG);
    expect(response.status).toBe(200);
    const body = await bytesOf(response);
    expect(Buffer.from(body).equals(Buffer.from(manifest.bytes))).toBe(true);
    expect(bareMediaType(response.headers.get('content-type'))).toBe(MediaType.ociManifest);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    expect(response.headers.get('content-length')).toBe(String(manifest.bytes.byteLength));
  });

  it('end-3: GET by digest answers 200 with bytes that hash to the requested digest', async () => {
    const response = await client.getManifest(repo, manifest.digest);
    expect(response.status).toBe(200);
    const body = await bytesOf(response);
    expect(digestOf(body)).toBe(manifest.digest);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    expect(bareMediaType(response.headers.get('content-type'))).toBe(MediaType.ociManifest);
  });

  it('end-3: the registry SHOULD NOT put parameters on the manifest Content-Type', async () => {
    const response = await client.getManifest(repo, TAG);
    expect(response.headers.get('content-type')).toBe(MediaType.ociManifest);
  });

  it('end-3: GET of an image index answers with the index Content-Type and digest', async () => {
    const response = await client.getManifest(repo, INDEX_TAG);
    expect(response.status).toBe(200);
    expect(bareMediaType(response.headers.get('content-type'))).toBe(MediaType.ociIndex);
    expect(response.headers.get('docker-content-digest')).toBe(index.digest);
    expect(Buffer.from(await bytesOf(response)).equals(Buffer.from(index.bytes))).toBe(true);
  });

  it('end-3 (Checking if content exists): HEAD by tag answers 200 with Docker-Content-Digest and Content-Length', async () => {
    const response = await client.getManifest(repo, TAG, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    expect(response.headers.get('content-length')).toBe(String(manifest.bytes.byteLength));
    expect(bareMediaType(response.headers.get('content-type'))).toBe(MediaType.ociManifest);
  });

  it('end-3 (Checking if content exists): HEAD by digest answers 200 with Docker-Content-Digest and Content-Length', async () => {
    const response = await client.getManifest(repo, manifest.digest, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    expect(response.headers.get('content-length')).toBe(String(manifest.bytes.byteLength));
  });

  it('end-3: GET of an unknown tag answers 404 MANIFEST_UNKNOWN', async () => {
    await expectError(await client.getManifest(repo, 'no-such-tag'), 404, 'MANIFEST_UNKNOWN');
  });

  it('end-3: GET of an unknown digest answers 404 MANIFEST_UNKNOWN', async () => {
    await expectError(await client.getManifest(repo, unknownDigest()), 404, 'MANIFEST_UNKNOWN');
  });

  it('end-3: HEAD of an unknown manifest answers 404', async () => {
    const response = await client.getManifest(repo, 'no-such-tag', 'HEAD');
    expect(response.status).toBe(404);
  });

  it('end-3: GET of a manifest in a repository that does not exist answers 404 (NAME_UNKNOWN or MANIFEST_UNKNOWN)', async () => {
    const response = await client.getManifest(randomRepo('pull-missing'), TAG);
    await expectError(response, 404, ['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']);
  });
});

describe('Pulling blobs (end-2)', () => {
  it('end-2: GET answers 200 with the exact bytes, Docker-Content-Digest and Content-Length', async () => {
    const response = await client.getBlob(repo, layer.digest);
    expect(response.status).toBe(200);
    const body = await bytesOf(response);
    expect(Buffer.from(body).equals(Buffer.from(layerBytes))).toBe(true);
    expect(response.headers.get('docker-content-digest')).toBe(layer.digest);
    expect(response.headers.get('content-length')).toBe(String(layerBytes.byteLength));
  });

  it('end-2 (Checking if content exists): HEAD answers 200 with Content-Length and Docker-Content-Digest', async () => {
    const response = await client.headBlob(repo, layer.digest);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(layerBytes.byteLength));
    expect(response.headers.get('docker-content-digest')).toBe(layer.digest);
  });

  it('end-2: GET of an unknown blob answers 404 BLOB_UNKNOWN', async () => {
    await expectError(await client.getBlob(repo, unknownDigest()), 404, 'BLOB_UNKNOWN');
  });

  it('end-2: HEAD of an unknown blob answers 404', async () => {
    expect((await client.headBlob(repo, unknownDigest())).status).toBe(404);
  });

  it('end-2: a blob of another repository is not served from this one (404)', async () => {
    const other = randomRepo('pull-other');
    const foreign = await client.pushBlob(other, randomBytes(100));
    await expectError(await client.getBlob(repo, foreign), 404, 'BLOB_UNKNOWN');
  });
});

describe('Range requests on blobs (end-2, RFC 9110 §14)', () => {
  const size = layerBytes.byteLength;

  it('end-2: Range: bytes=10-19 answers 206 with Content-Range and exactly those bytes', async () => {
    const response = await client.getBlob(repo, layer.digest, { Range: 'bytes=10-19' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 10-19/${size}`);
    expect(response.headers.get('content-length')).toBe('10');
    expect(Buffer.from(await bytesOf(response)).equals(Buffer.from(layerBytes.subarray(10, 20)))).toBe(true);
  });

  it('end-2: an open range (bytes=N-) answers 206 with the rest of the blob', async () => {
    const start = size - 1000;
    const response = await client.getBlob(repo, layer.digest, { Range: `bytes=${start}-` });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${start}-${size - 1}/${size}`);
    expect(Buffer.from(await bytesOf(response)).equals(Buffer.from(layerBytes.subarray(start)))).toBe(true);
  });

  it('end-2: a suffix range (bytes=-N) answers 206 with the last N bytes', async () => {
    const response = await client.getBlob(repo, layer.digest, { Range: 'bytes=-16' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${size - 16}-${size - 1}/${size}`);
    expect(Buffer.from(await bytesOf(response)).equals(Buffer.from(layerBytes.subarray(size - 16)))).toBe(
      true,
    );
  });

  it('end-2: a range past the end answers 416 with Content-Range: bytes */<size>', async () => {
    const response = await client.getBlob(repo, layer.digest, { Range: `bytes=${size}-${size + 10}` });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('end-2: resuming a pull with ranges reassembles the exact blob', async () => {
    const half = Math.floor(size / 2);
    const first = await client.getBlob(repo, layer.digest, { Range: `bytes=0-${half - 1}` });
    const second = await client.getBlob(repo, layer.digest, { Range: `bytes=${half}-` });
    expect([first.status, second.status]).toEqual([206, 206]);
    const whole = Buffer.concat([Buffer.from(await bytesOf(first)), Buffer.from(await bytesOf(second))]);
    expect(digestOf(whole)).toBe(layer.digest);
  });
});

describe('HEAD answers carry no body', () => {
  const cases: Array<[string, number, () => string]> = [
    ['manifest by tag', 200, () => `/v2/${repo}/manifests/${TAG}`],
    ['manifest by digest', 200, () => `/v2/${repo}/manifests/${manifest.digest}`],
    ['blob', 200, () => `/v2/${repo}/blobs/${layer.digest}`],
    ['unknown manifest', 404, () => `/v2/${repo}/manifests/no-such-tag`],
    ['unknown blob', 404, () => `/v2/${repo}/blobs/${unknownDigest()}`],
  ];

  it.each(cases)(
    'end-2/end-3: HEAD of %s answers %i with headers only, no body bytes',
    async (_name, status, path) => {
      const response = await client.rawRequest('HEAD', path(), { Accept: MediaType.ociManifest });
      expect(response.status).toBe(status);
      expect(response.rawBody.length).toBe(0);
    },
  );

  it('end-3: HEAD and GET of a manifest agree on status, digest and length', async () => {
    const head = await client.getManifest(repo, INDEX_TAG, 'HEAD');
    const get = await client.getManifest(repo, INDEX_TAG);
    expect(head.status).toBe(get.status);
    expect(head.headers.get('docker-content-digest')).toBe(get.headers.get('docker-content-digest'));
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    await get.arrayBuffer();
  });
});
