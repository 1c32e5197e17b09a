// OCI Distribution Spec v1.1, "Content Management": deleting tags and manifests (end-9) and
// blobs (end-10). Berth implements all three, so "deletion disabled" answers (400/405) fail here.
import { describe, expect, it } from '@jest/globals';
import {
  expectError,
  imageManifest,
  jsonBytes,
  MediaType,
  OciClient,
  randomBytes,
  randomHex,
  randomRepo,
  unknownDigest,
  withQuery,
  type Manifest,
} from './oci-client.js';
import { registryUnderTest } from './registry-under-test.js';

const registry = registryUnderTest({ projects: ['conformance'] });
const client = new OciClient(registry);
const repo = randomRepo('management');

/** A fresh image (own config, so its own manifest digest) pushed under the given tags. */
async function pushTagged(tags: string[]): Promise<Manifest> {
  const config = await client.pushBlobDescriptor(
    repo,
    MediaType.ociConfig,
    jsonBytes({ nonce: randomHex() }),
  );
  const layer = await client.pushBlobDescriptor(repo, MediaType.ociLayer, randomBytes(300));
  const manifest = imageManifest({ config, layers: [layer] });
  await client.pushManifest(repo, manifest);
  for (const tag of tags) await client.pushManifest(repo, manifest, tag);
  return manifest;
}

async function tagsOf(name: string): Promise<string[]> {
  const response = await client.request('GET', withQuery(`/v2/${name}/tags/list`, {}));
  expect(response.status).toBe(200);
  return ((await response.json()) as { tags: string[] | null }).tags ?? [];
}

describe('Deleting tags (end-9)', () => {
  it('end-9: DELETE /manifests/<tag> answers 202; the tag then answers 404 MANIFEST_UNKNOWN while the digest still answers 200', async () => {
    const manifest = await pushTagged(['doomed']);
    const response = await client.request('DELETE', `/v2/${repo}/manifests/doomed`);
    expect(response.status).toBe(202);
    await expectError(await client.getManifest(repo, 'doomed'), 404, 'MANIFEST_UNKNOWN');
    expect((await client.getManifest(repo, manifest.digest)).status).toBe(200);
  });

  it('end-9: deleting one tag leaves the other tags of the same manifest in place and out of the tag list', async () => {
    const manifest = await pushTagged(['keep-a', 'drop-b', 'keep-c']);
    expect((await client.request('DELETE', `/v2/${repo}/manifests/drop-b`)).status).toBe(202);
    expect((await client.getManifest(repo, 'keep-a')).headers.get('docker-content-digest')).toBe(
      manifest.digest,
    );
    expect((await client.getManifest(repo, 'keep-c')).headers.get('docker-content-digest')).toBe(
      manifest.digest,
    );
    const tags = await tagsOf(repo);
    expect(tags).toEqual(expect.arrayContaining(['keep-a', 'keep-c']));
    expect(tags).not.toContain('drop-b');
  });

  it('end-9: DELETE of a tag that does not exist answers 404 MANIFEST_UNKNOWN', async () => {
    await pushTagged(['present']);
    await expectError(
      await client.request('DELETE', `/v2/${repo}/manifests/never-was`),
      404,
      'MANIFEST_UNKNOWN',
    );
  });
});

describe('Deleting manifests (end-9)', () => {
  it('end-9: DELETE /manifests/<digest> answers 202; GET and HEAD then answer 404, and so does every tag that pointed to it', async () => {
    const manifest = await pushTagged(['gone-1', 'gone-2']);
    const response = await client.request('DELETE', `/v2/${repo}/manifests/${manifest.digest}`);
    expect(response.status).toBe(202);
    await expectError(await client.getManifest(repo, manifest.digest), 404, 'MANIFEST_UNKNOWN');
    expect((await client.getManifest(repo, manifest.digest, 'HEAD')).status).toBe(404);
    await expectError(await client.getManifest(repo, 'gone-1'), 404, 'MANIFEST_UNKNOWN');
    await expectError(await client.getManifest(repo, 'gone-2'), 404, 'MANIFEST_UNKNOWN');
    const tags = await tagsOf(repo);
    expect(tags).not.toContain('gone-1');
    expect(tags).not.toContain('gone-2');
  });

  it('end-9: DELETE of an unknown manifest digest answers 404 MANIFEST_UNKNOWN', async () => {
    await pushTagged(['anchor']);
    await expectError(
      await client.request('DELETE', `/v2/${repo}/manifests/${unknownDigest()}`),
      404,
      'MANIFEST_UNKNOWN',
    );
  });

  it('end-9: DELETE of a manifest in a repository that does not exist answers 404', async () => {
    const response = await client.request(
      'DELETE',
      `/v2/${randomRepo('management-missing')}/manifests/${unknownDigest()}`,
    );
    await expectError(response, 404, ['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']);
  });

  it('end-9: a manifest pushed again after its deletion is served again', async () => {
    const manifest = await pushTagged([]);
    expect((await client.request('DELETE', `/v2/${repo}/manifests/${manifest.digest}`)).status).toBe(202);
    await client.pushManifest(repo, manifest, 'reborn');
    expect((await client.getManifest(repo, manifest.digest)).status).toBe(200);
    expect((await client.getManifest(repo, 'reborn')).status).toBe(200);
  });
});

describe('Deleting blobs (end-10)', () => {
  it('end-10: DELETE /blobs/<digest> answers 202; GET then answers 404 BLOB_UNKNOWN and HEAD 404', async () => {
    const digest = await client.pushBlob(repo, randomBytes(1000));
    const response = await client.request('DELETE', `/v2/${repo}/blobs/${digest}`);
    expect(response.status).toBe(202);
    await expectError(await client.getBlob(repo, digest), 404, 'BLOB_UNKNOWN');
    expect((await client.headBlob(repo, digest)).status).toBe(404);
  });

  it('end-10: DELETE of a blob that is not there answers 404 BLOB_UNKNOWN', async () => {
    await client.pushBlob(repo, randomBytes(10));
    await expectError(
      await client.request('DELETE', `/v2/${repo}/blobs/${unknownDigest()}`),
      404,
      'BLOB_UNKNOWN',
    );
  });

  it('end-10: deleting a blob in one repository leaves the same blob in another repository', async () => {
    const bytes = randomBytes(1500);
    const other = randomRepo('management-other');
    const digest = await client.pushBlob(repo, bytes);
    await client.pushBlob(other, bytes);
    expect((await client.request('DELETE', `/v2/${repo}/blobs/${digest}`)).status).toBe(202);
    expect((await client.headBlob(repo, digest)).status).toBe(404);
    const kept = await client.getBlob(other, digest);
    expect(kept.status).toBe(200);
    expect(Buffer.from(await kept.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
  });
});
