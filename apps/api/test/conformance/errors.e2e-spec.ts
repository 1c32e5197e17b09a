// OCI Distribution Spec v1.1, "Error Codes" (code-1 … code-14), the `<name>` grammar of "Pulling
// manifests", and the 400 for invalid digests of "Pushing blobs".
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  descriptor,
  expectError,
  expectErrorBody,
  imageManifest,
  MANIFEST_ACCEPT,
  MediaType,
  OciClient,
  randomBytes,
  randomHex,
  randomRepo,
  unknownDigest,
  utf8,
  withQuery,
  type RawResponse,
} from './oci-client.js';
import { registryUnderTest } from './registry-under-test.js';

const registry = registryUnderTest({ projects: ['conformance'] });
const client = new OciClient(registry);
const repo = randomRepo('errors');
beforeAll(async () => {
  await client.pushImage(repo, 'latest');
});

function asResponse(raw: RawResponse): Response {
  return new Response(raw.body.length > 0 ? new Uint8Array(raw.body) : null, {
    status: raw.status,
    headers: raw.headers,
  });
}

async function startUpload(): Promise<string> {
  const response = await client.startUpload(repo);
  expect(response.status).toBe(202);
  return response.headers.get('location')!;
}

describe('Error codes: each 4xx carries {"errors":[{"code","message",…}]} with the spec code', () => {
  const cases: Array<[string, number, () => Promise<Response>]> = [
    ['BLOB_UNKNOWN', 404, () => client.getBlob(repo, unknownDigest())],
    [
      'BLOB_UPLOAD_UNKNOWN',
      404,
      async () => {
        const location = await startUpload();
        expect((await client.request('DELETE', location)).status).toBe(204);
        return client.request('PATCH', location, {
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '0-9' },
          body: randomBytes(10),
        });
      },
    ],
    [
      'DIGEST_INVALID',
      400,
      async () =>
        client.request('PUT', withQuery(await startUpload(), { digest: unknownDigest() }), {
          headers: { 'Content-Type': 'application/octet-stream' },
          body: randomBytes(32),
        }),
    ],
    [
      'MANIFEST_BLOB_UNKNOWN',
      400,
      () => {
        const config = descriptor(MediaType.ociConfig, utf8(`{"missing":"${randomHex()}"}`));
        const manifest = imageManifest({ config });
        return client.putManifest(repo, 'blob-unknown', manifest.bytes, manifest.mediaType);
      },
    ],
    [
      'MANIFEST_INVALID',
      400,
      () => client.putManifest(repo, 'invalid', utf8('not json at all'), MediaType.ociManifest),
    ],
    ['MANIFEST_UNKNOWN', 404, () => client.getManifest(repo, 'no-such-tag')],
    ['NAME_UNKNOWN', 404, () => client.request('GET', `/v2/${randomRepo('errors-missing')}/tags/list`)],
  ];

  it.each(cases)('Error Codes: %s answers %i with a well-formed error body', async (code, status, send) => {
    await expectError(await send(), status, code);
  });

  it('Error Codes: an error body is JSON and says so in Content-Type', async () => {
    const response = await client.getBlob(repo, unknownDigest());
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    await expectErrorBody(response);
  });

  // Deliberately without credentials (plain fetch); an external registry may not require any.
  (registry.external ? it.skip : it)(
    'Error Codes: UNAUTHORIZED: a pull without credentials answers 401 with a Bearer challenge for its scope',
    async () => {
      const response = await fetch(`${registry.url}/v2/${repo}/manifests/latest`, {
        headers: { Accept: MANIFEST_ACCEPT },
      });
      expect(response.status).toBe(401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer realm="[^"]+",service="[^"]+"/);
      expect(challenge).toContain(`scope="repository:${repo}:pull`);
      await expectError(response, 401, 'UNAUTHORIZED');
    },
  );

  it('Error Codes: the closing PUT without a digest answers 400 (DIGEST_INVALID or BLOB_UPLOAD_INVALID)', async () => {
    const response = await client.request('PUT', await startUpload(), {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: randomBytes(16),
    });
    await expectError(response, 400, ['DIGEST_INVALID', 'BLOB_UPLOAD_INVALID']);
  });
});

describe('Repository names (`<name>` MUST match the grammar) → 400 NAME_INVALID', () => {
  const longName = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('/'); // 304 characters
  const names: Array<[string, string]> = [
    ['an uppercase component', 'conformance/UPPER'],
    ['a ".." component', 'conformance/../escape'],
    ['a name over 255 characters', longName],
    ['a trailing slash (empty last component)', 'conformance/trailing/'],
    ['a component ending in a separator', 'conformance/ends-'],
    ['a component starting with a separator', 'conformance/.hidden'],
    ['two periods in a row', 'conformance/a..b'],
  ];

  it.each(names.slice(0, 4))(
    'Pulling manifests (<name> grammar): GET tags/list of %s answers 400 NAME_INVALID',
    async (_what, name) => {
      const raw = await client.rawRequest('GET', `/v2/${name}/tags/list`);
      await expectError(asResponse(raw), 400, 'NAME_INVALID');
    },
  );

  it.each(names)(
    'Pushing blobs (<name> grammar): POST blobs/uploads/ for %s answers 400 NAME_INVALID',
    async (_what, name) => {
      const raw = await client.rawRequest('POST', `/v2/${name}/blobs/uploads/`, {
        'Content-Length': '0',
      });
      await expectError(asResponse(raw), 400, 'NAME_INVALID');
    },
  );

  it('Pushing manifests (<name> grammar): PUT of a manifest under an uppercase name answers 400 NAME_INVALID', async () => {
    const { manifest } = await client.pushImage(repo);
    const response = await client.putManifest(
      'conformance/Shouting',
      'latest',
      manifest.bytes,
      manifest.mediaType,
    );
    await expectError(response, 400, 'NAME_INVALID');
  });

  it('Pulling manifests (<name> grammar): separators "__", "-" runs and "." inside components are valid names', async () => {
    for (const name of [`${repo}/a__b`, `${repo}/a---b`, `${repo}/v1.2_x-y`]) {
      const response = await client.startUpload(name);
      expect(response.status).toBe(202);
    }
  });
});

describe('Digests (`algorithm:hex`) → 400', () => {
  it('end-2: GET of a blob by a malformed digest (sha256:xyz) answers 400 DIGEST_INVALID', async () => {
    await expectError(await client.getBlob(repo, 'sha256:xyz'), 400, 'DIGEST_INVALID');
  });

  it('end-2: GET of a blob by a digest of an unknown algorithm answers 400 DIGEST_INVALID', async () => {
    await expectError(await client.getBlob(repo, `foo:${'ab'.repeat(32)}`), 400, 'DIGEST_INVALID');
  });

  it('end-2: a sha256 digest with the wrong hex length answers 400 DIGEST_INVALID', async () => {
    await expectError(await client.getBlob(repo, `sha256:${'ab'.repeat(16)}`), 400, 'DIGEST_INVALID');
  });

  it('end-2: HEAD of a blob by a malformed digest answers 400 without a body', async () => {
    const raw = await client.rawRequest('HEAD', `/v2/${repo}/blobs/sha256:xyz`);
    expect(raw.status).toBe(400);
    expect(raw.rawBody.length).toBe(0);
  });

  it('end-10: DELETE of a blob by a malformed digest answers 400 DIGEST_INVALID', async () => {
    await expectError(await client.request('DELETE', `/v2/${repo}/blobs/sha256:xyz`), 400, 'DIGEST_INVALID');
  });

  it('end-3: a sha256 digest in uppercase hex is invalid (image-spec: [a-f0-9]{64}) and answers 400 or 404, never the manifest', async () => {
    const response = await client.getManifest(repo, 'latest');
    const digest = response.headers.get('docker-content-digest')!;
    await response.arrayBuffer();
    const upper = `sha256:${digest.slice('sha256:'.length).toUpperCase()}`;
    const answer = await client.request('GET', `/v2/${repo}/manifests/${upper}`, {
      headers: { Accept: MANIFEST_ACCEPT },
    });
    expect([400, 404]).toContain(answer.status);
    await expectErrorBody(answer);
  });
});
