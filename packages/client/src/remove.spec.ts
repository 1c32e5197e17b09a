import { describe, expect, it } from '@jest/globals';
import { empty, fakeFetch, json, type SeenRequest } from './fake-registry.spec-helper.js';
import { RegistryClient } from './registry-client.js';
import { removeReference } from './remove.js';

const REGISTRY = 'https://registry.example.com';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

/** A repository `a/b` of tags → digests; `untag: false` answers tag deletes as Distribution 2.8 does. */
function registry(tags: Record<string, string>, options: { untag: boolean }) {
  const manifests = new Set(Object.values(tags));
  const fetch = fakeFetch((request: SeenRequest) => {
    const { method, url } = request;
    const tagsList = url.pathname === '/v2/a/b/tags/list';
    if (method === 'GET' && tagsList) return json(200, { name: 'a/b', tags: Object.keys(tags) });
    const reference = decodeURIComponent(url.pathname.split('/manifests/')[1] ?? '');
    const unknown = () => json(404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown' }] });
    if (method === 'HEAD') {
      const digest = reference.startsWith('sha256:') ? reference : tags[reference];
      if (!digest || !manifests.has(digest)) return empty(404);
      return empty(200, {
        'docker-content-digest': digest,
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'content-length': '2',
      });
    }
    if (method === 'DELETE') {
      if (reference.startsWith('sha256:')) {
        if (!manifests.delete(reference)) return unknown();
        for (const [tag, digest] of Object.entries(tags)) if (digest === reference) delete tags[tag];
        return empty(202);
      }
      if (!options.untag) return json(400, { errors: [{ code: 'DIGEST_INVALID', message: 'bad digest' }] });
      if (!(reference in tags)) return unknown();
      delete tags[reference];
      return empty(202);
    }
    return empty(500);
  });
  return { client: new RegistryClient({ url: REGISTRY, fetch }), tags, manifests, fetch };
}

describe('removeReference', () => {
  it('untags where the registry can, leaving the manifest', async () => {
    const remote = registry({ v1: D1, latest: D1 }, { untag: true });
    expect(await removeReference(remote.client, 'a/b', 'v1')).toEqual({ removed: 'tag', tag: 'v1' });
    expect(remote.tags).toEqual({ latest: D1 });
    expect(remote.manifests.has(D1)).toBe(true);
  });

  it('deletes a manifest by digest, and reports one that is not there', async () => {
    const remote = registry({ v1: D1 }, { untag: true });
    expect(await removeReference(remote.client, 'a/b', D1)).toEqual({ removed: 'manifest', digest: D1 });
    expect(remote.manifests.size).toBe(0);
    expect(await removeReference(remote.client, 'a/b', D1)).toMatchObject({
      removed: 'nothing',
      reason: expect.stringContaining('MANIFEST_UNKNOWN'),
    });
  });

  it('falls back to the manifest where the registry cannot untag and no other tag shares it', async () => {
    const remote = registry({ v1: D1, v2: D2 }, { untag: false });
    expect(await removeReference(remote.client, 'a/b', 'v1')).toEqual({
      removed: 'manifest',
      digest: D1,
      via: 'v1',
    });
    expect(remote.tags).toEqual({ v2: D2 });
    expect(await removeReference(remote.client, 'a/b', 'gone')).toMatchObject({ removed: 'nothing' });
  });

  it('refuses the fallback when another tag points at the same manifest', async () => {
    const remote = registry({ v1: D1, stable: D1 }, { untag: false });
    await expect(removeReference(remote.client, 'a/b', 'v1')).rejects.toMatchObject({
      code: 'TAG_SHARED',
      message: expect.stringContaining('stable'),
    });
    expect(remote.manifests.has(D1)).toBe(true);
    expect(remote.fetch.seen.filter((r) => r.method === 'DELETE').map((r) => r.url.pathname)).toEqual([
      '/v2/a/b/manifests/v1',
    ]);
  });
});
