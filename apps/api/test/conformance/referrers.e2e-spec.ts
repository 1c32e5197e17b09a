// OCI Distribution Spec v1.1, "Listing Referrers" (end-12a, end-12b) and "Pushing Manifests with
// Subject" (OCI-Subject).
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  bareMediaType,
  digestOf,
  EMPTY_JSON,
  expectErrorBody,
  imageIndex,
  imageManifest,
  jsonBytes,
  MediaType,
  OciClient,
  randomBytes,
  randomHex,
  randomRepo,
  unknownDigest,
  withQuery,
  type Descriptor,
  type Manifest,
} from './oci-client.js';
import { registryUnderTest } from './registry-under-test.js';

const registry = registryUnderTest({ projects: ['conformance'] });
const client = new OciClient(registry);
const repo = randomRepo('referrers');

const SBOM_TYPE = 'application/vnd.example.sbom.v1';
const SIGNATURE_CONFIG_TYPE = 'application/vnd.example.signature.config.v1+json';

let subject: Manifest;
let emptyConfig: Descriptor;
let sbom: Manifest;
let signature: Manifest;
let referringIndex: Manifest;
const pushResponses = new Map<string, Response>();

interface ReferrersIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}

async function referrers(
  name: string,
  digest: string,
  query: Record<string, string> = {},
): Promise<{ response: Response; index: ReferrersIndex }> {
  const response = await client.request('GET', withQuery(`/v2/${name}/referrers/${digest}`, query));
  expect(response.status).toBe(200);
  return { response, index: (await response.json()) as ReferrersIndex };
}

async function push(manifest: Manifest): Promise<Response> {
  const response = await client.putManifest(repo, manifest.digest, manifest.bytes, manifest.mediaType);
  pushResponses.set(manifest.digest, response);
  expect(response.status).toBe(201);
  return response;
}

beforeAll(async () => {
  ({ manifest: subject } = await client.pushImage(repo, 'subject'));
  emptyConfig = await client.pushBlobDescriptor(repo, MediaType.ociEmpty, EMPTY_JSON);
  const sbomLayer = await client.pushBlobDescriptor(
    repo,
    'application/spdx+json',
    jsonBytes({ spdx: randomHex() }),
  );
  const signatureConfig = await client.pushBlobDescriptor(
    repo,
    SIGNATURE_CONFIG_TYPE,
    jsonBytes({ key: randomHex() }),
  );

  // An artifact with artifactType, and its annotations.
  sbom = imageManifest({
    artifactType: SBOM_TYPE,
    config: emptyConfig,
    layers: [sbomLayer],
    subject: subject.descriptor,
    annotations: {
      'org.opencontainers.image.created': '2024-01-01T00:00:00Z',
      'org.example.sbom.format': 'json',
    },
  });
  // No artifactType: the referrers descriptor takes the config mediaType.
  signature = imageManifest({
    config: signatureConfig,
    layers: [emptyConfig],
    subject: subject.descriptor,
    annotations: { 'org.example.signature.fingerprint': 'abcd' },
  });
  // An index with a subject and no artifactType: the descriptor has no artifactType.
  referringIndex = imageIndex({
    manifests: [sbom.descriptor],
    subject: subject.descriptor,
    annotations: { 'org.example.index': 'yes' },
  });
  await push(sbom);
  await push(signature);
  await push(referringIndex);
});

describe('Pushing manifests with subject (OCI-Subject)', () => {
  it('Pushing Manifests with Subject: an image manifest with subject answers 201 with OCI-Subject: <subject digest>', () => {
    expect(pushResponses.get(sbom.digest)?.headers.get('oci-subject')).toBe(subject.digest);
    expect(pushResponses.get(signature.digest)?.headers.get('oci-subject')).toBe(subject.digest);
  });

  it('Pushing Manifests with Subject: an image index with subject answers 201 with OCI-Subject too', () => {
    expect(pushResponses.get(referringIndex.digest)?.headers.get('oci-subject')).toBe(subject.digest);
  });
});

describe('Listing referrers (end-12a)', () => {
  it('end-12a: answers 200 with an OCI image index and Content-Type application/vnd.oci.image.index.v1+json', async () => {
    const { response, index } = await referrers(repo, subject.digest);
    expect(bareMediaType(response.headers.get('content-type'))).toBe(MediaType.ociIndex);
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(index.manifests.map((entry) => entry.digest).sort()).toEqual(
      [sbom.digest, signature.digest, referringIndex.digest].sort(),
    );
  });

  it('end-12a: a descriptor carries mediaType, size, digest, the manifest artifactType and its annotations', async () => {
    const { index } = await referrers(repo, subject.digest);
    expect(index.manifests.find((entry) => entry.digest === sbom.digest)).toEqual({
      mediaType: MediaType.ociManifest,
      digest: sbom.digest,
      size: sbom.bytes.byteLength,
      artifactType: SBOM_TYPE,
      annotations: {
        'org.opencontainers.image.created': '2024-01-01T00:00:00Z',
        'org.example.sbom.format': 'json',
      },
    });
  });

  it('end-12a: without artifactType in the manifest, the descriptor artifactType is the config mediaType', async () => {
    const { index } = await referrers(repo, subject.digest);
    const entry = index.manifests.find((item) => item.digest === signature.digest);
    expect(entry?.artifactType).toBe(SIGNATURE_CONFIG_TYPE);
    expect(entry?.annotations).toEqual({ 'org.example.signature.fingerprint': 'abcd' });
    expect(entry?.size).toBe(signature.bytes.byteLength);
  });

  it('end-12a: an index without artifactType is listed with mediaType index, its annotations and no artifactType', async () => {
    const { index } = await referrers(repo, subject.digest);
    const entry = index.manifests.find((item) => item.digest === referringIndex.digest);
    expect(entry).toBeDefined();
    expect(entry?.mediaType).toBe(MediaType.ociIndex);
    expect(entry?.annotations).toEqual({ 'org.example.index': 'yes' });
    expect(entry).not.toHaveProperty('artifactType');
  });

  it('end-12a: a digest nobody refers to answers 200 with an empty image index (never 404)', async () => {
    const { response, index } = await referrers(repo, unknownDigest());
    expect(bareMediaType(response.headers.get('content-type'))).toBe(MediaType.ociIndex);
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(index.manifests).toEqual([]);
  });

  it('end-12a: a digest with invalid syntax answers 400', async () => {
    const response = await client.request('GET', `/v2/${repo}/referrers/sha256:not-hex`);
    expect(response.status).toBe(400);
    await expectErrorBody(response);
  });

  it('end-12a: referrers pushed before their subject are listed (subject may be missing at push time)', async () => {
    const future = imageManifest({
      config: emptyConfig,
      layers: [],
      annotations: { 'org.example.future': randomHex() },
    });
    const early = imageManifest({ artifactType: SBOM_TYPE, config: emptyConfig, subject: future.descriptor });
    const response = await push(early);
    expect(response.headers.get('oci-subject')).toBe(future.digest);
    expect((await referrers(repo, future.digest)).index.manifests.map((entry) => entry.digest)).toEqual([
      early.digest,
    ]);
    await push(future);
    expect((await referrers(repo, future.digest)).index.manifests.map((entry) => entry.digest)).toEqual([
      early.digest,
    ]);
  });

  it('end-12a: only referrers of the same repository are listed', async () => {
    const other = randomRepo('referrers-other');
    const otherConfig = await client.pushBlobDescriptor(other, MediaType.ociEmpty, EMPTY_JSON);
    const foreign = imageManifest({
      artifactType: 'application/vnd.example.foreign.v1',
      config: otherConfig,
      subject: subject.descriptor,
    });
    const pushed = await client.putManifest(other, foreign.digest, foreign.bytes, foreign.mediaType);
    expect(pushed.status).toBe(201);
    const { index } = await referrers(repo, subject.digest);
    expect(index.manifests.map((entry) => entry.digest)).not.toContain(foreign.digest);
    const { index: otherIndex } = await referrers(other, subject.digest);
    expect(otherIndex.manifests.map((entry) => entry.digest)).toEqual([foreign.digest]);
  });

  it('end-12a: a deleted referrer is no longer listed', async () => {
    const target = imageManifest({ config: emptyConfig, annotations: { 'org.example.target': randomHex() } });
    await push(target);
    const referrer = imageManifest({
      artifactType: SBOM_TYPE,
      config: emptyConfig,
      subject: target.descriptor,
    });
    await push(referrer);
    expect((await referrers(repo, target.digest)).index.manifests).toHaveLength(1);
    const deleted = await client.request('DELETE', `/v2/${repo}/manifests/${referrer.digest}`);
    expect(deleted.status).toBe(202);
    expect((await referrers(repo, target.digest)).index.manifests).toEqual([]);
  });
});

describe('Filtering referrers (end-12b)', () => {
  it('end-12b: ?artifactType= answers only matching descriptors and OCI-Filters-Applied: artifactType', async () => {
    const { response, index } = await referrers(repo, subject.digest, { artifactType: SBOM_TYPE });
    expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(index.manifests.map((entry) => entry.digest)).toEqual([sbom.digest]);
    expect(index.manifests[0]?.artifactType).toBe(SBOM_TYPE);
  });

  it('end-12b: the filter also matches an artifactType taken from the config mediaType', async () => {
    const { response, index } = await referrers(repo, subject.digest, {
      artifactType: SIGNATURE_CONFIG_TYPE,
    });
    expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(index.manifests.map((entry) => entry.digest)).toEqual([signature.digest]);
  });

  it('end-12b: a filter nothing matches answers 200 with an empty index and OCI-Filters-Applied', async () => {
    const { response, index } = await referrers(repo, subject.digest, {
      artifactType: 'application/vnd.example.none.v1',
    });
    expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(index.manifests).toEqual([]);
  });
});

describe('Digests in referrers queries (end-12a)', () => {
  it('end-12a: a sha512 subject digest is a valid query (200, empty index)', async () => {
    const { index } = await referrers(repo, digestOf(randomBytes(8), 'sha512'));
    expect(index.manifests).toEqual([]);
  });

  it('end-12a: a digest with an unknown algorithm answers 400', async () => {
    const response = await client.request('GET', `/v2/${repo}/referrers/foo:${'a'.repeat(64)}`);
    expect(response.status).toBe(400);
    await expectErrorBody(response);
  });
});
