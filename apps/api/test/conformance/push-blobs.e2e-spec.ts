// OCI Distribution Spec v1.1, "Push" → "Pushing blobs": end-4a, end-4b, end-5, end-6, end-11, end-13,
// plus end-14 (cancel an upload) and the 400 for bad digests, which the spec's main branch adds.
import { describe, expect, it } from '@jest/globals';
import {
  bytesOf,
  concatBytes,
  digestOf,
  expectError,
  OciClient,
  randomBytes,
  randomRepo,
  unknownDigest,
  UUID_PATTERN,
  withQuery,
  type DigestAlgorithm,
} from './oci-client.js';
import { registryUnderTest } from './registry-under-test.js';

const registry = registryUnderTest({ projects: ['conformance'] });
const client = new OciClient(registry);
const repo = randomRepo('push');

const octets = { 'Content-Type': 'application/octet-stream' };

/** end-4a: POST → 202 + Location; returns the Location and the minimum chunk size, if any. */
async function startSession(name = repo): Promise<{ location: string; minChunk: number }> {
  const response = await client.startUpload(name);
  expect(response.status).toBe(202);
  const location = response.headers.get('location');
  expect(location).toBeTruthy();
  return { location: location!, minChunk: Number(response.headers.get('oci-chunk-min-length') ?? 0) };
}

/** Chunk size honouring OCI-Chunk-Min-Length when the registry announces one. */
function chunkSize(min: number): number {
  return Math.max(min, 4096);
}

function patchChunk(location: string, bytes: Uint8Array, start: number): Promise<Response> {
  return client.request('PATCH', location, {
    headers: { ...octets, 'Content-Range': `${start}-${start + bytes.byteLength - 1}` },
    body: bytes,
  });
}

function closeUpload(location: string, digest: string, body: Uint8Array = new Uint8Array(0), extra = {}) {
  return client.request('PUT', withQuery(location, { digest }), {
    headers: { ...octets, ...extra },
    body,
  });
}

async function expectBlob(name: string, digest: string, bytes: Uint8Array): Promise<void> {
  const response = await client.getBlob(name, digest);
  expect(response.status).toBe(200);
  expect(Buffer.from(await bytesOf(response)).equals(Buffer.from(bytes))).toBe(true);
}

/** The pullable blob URL of a 201 (absolute or relative Location) serves the bytes. */
async function expectPullableLocation(response: Response, bytes: Uint8Array): Promise<void> {
  const location = response.headers.get('location');
  expect(location).toBeTruthy();
  const pulled = await client.request('GET', location!);
  expect(pulled.status).toBe(200);
  expect(Buffer.from(await bytesOf(pulled)).equals(Buffer.from(bytes))).toBe(true);
}

describe('POST then PUT (end-4a, end-6)', () => {
  it('end-4a: POST /blobs/uploads/ answers 202 with a Location that contains a UUID', async () => {
    const { location } = await startSession();
    expect(location).toMatch(UUID_PATTERN);
  });

  it('end-4a: two sessions get two different Locations (unique session ids)', async () => {
    const first = await startSession();
    const second = await startSession();
    expect(first.location.match(UUID_PATTERN)?.[0]).not.toBe(second.location.match(UUID_PATTERN)?.[0]);
  });

  it('end-6: PUT <location>?digest= with the whole blob answers 201 with a pullable Location', async () => {
    const bytes = randomBytes(5000);
    const digest = digestOf(bytes);
    const { location } = await startSession();
    const response = await closeUpload(location, digest, bytes);
    expect(response.status).toBe(201);
    await expectPullableLocation(response, bytes);
    await expectBlob(repo, digest, bytes);
  });

  it('end-6: PUT with a digest that does not match the bytes answers 400 DIGEST_INVALID and stores nothing', async () => {
    const bytes = randomBytes(300);
    const claimed = unknownDigest();
    const { location } = await startSession();
    await expectError(await closeUpload(location, claimed, bytes), 400, 'DIGEST_INVALID');
    expect((await client.headBlob(repo, claimed)).status).toBe(404);
    expect((await client.headBlob(repo, digestOf(bytes))).status).toBe(404);
  });

  it('end-6 (Pushing blobs): PUT with a malformed digest (sha256:xyz) answers 400 DIGEST_INVALID', async () => {
    const { location } = await startSession();
    await expectError(await closeUpload(location, 'sha256:xyz', randomBytes(10)), 400, 'DIGEST_INVALID');
  });

  it('end-6 (Pushing blobs): PUT with an unsupported digest algorithm answers 400 DIGEST_INVALID', async () => {
    const bytes = randomBytes(10);
    const { location } = await startSession();
    const bogus = `md5:${'0'.repeat(32)}`;
    await expectError(await closeUpload(location, bogus, bytes), 400, 'DIGEST_INVALID');
  });

  it('end-6: pushing a blob that already exists again answers 201 (layer de-duplication)', async () => {
    const bytes = randomBytes(700);
    const digest = await client.pushBlob(repo, bytes);
    const { location } = await startSession();
    expect((await closeUpload(location, digest, bytes)).status).toBe(201);
    await expectBlob(repo, digest, bytes);
  });
});

describe('Single POST (end-4b)', () => {
  it('end-4b: POST ?digest= with the blob answers 201 with a pullable Location', async () => {
    const bytes = randomBytes(4096);
    const digest = digestOf(bytes);
    const response = await client.request('POST', withQuery(`/v2/${repo}/blobs/uploads/`, { digest }), {
      headers: octets,
      body: bytes,
    });
    expect(response.status).toBe(201);
    await expectPullableLocation(response, bytes);
    await expectBlob(repo, digest, bytes);
  });

  it('end-4b: POST ?digest= with bytes that do not match answers 400 DIGEST_INVALID', async () => {
    const bytes = randomBytes(64);
    const claimed = unknownDigest();
    const response = await client.request(
      'POST',
      withQuery(`/v2/${repo}/blobs/uploads/`, { digest: claimed }),
      {
        headers: octets,
        body: bytes,
      },
    );
    await expectError(response, 400, 'DIGEST_INVALID');
    expect((await client.headBlob(repo, claimed)).status).toBe(404);
  });

  it('end-4b (Pushing blobs): POST ?digest=sha256:xyz answers 400', async () => {
    const response = await client.request(
      'POST',
      withQuery(`/v2/${repo}/blobs/uploads/`, { digest: 'sha256:xyz' }),
      {
        headers: octets,
        body: randomBytes(8),
      },
    );
    await expectError(response, 400, 'DIGEST_INVALID');
  });
});

describe('Streamed upload (end-5 without Content-Range, end-6)', () => {
  it('end-5: a streamed PATCH (chunked transfer, no Content-Range) answers 202 with Location and Range', async () => {
    const bytes = randomBytes(100_000);
    const { location } = await startSession();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.byteLength; offset += 16_384) {
          controller.enqueue(bytes.slice(offset, offset + 16_384));
        }
        controller.close();
      },
    });
    const patched = await client.request('PATCH', location, { headers: octets, body: stream });
    expect(patched.status).toBe(202);
    expect(patched.headers.get('location')).toBeTruthy();
    expect(patched.headers.get('range')).toBe(`0-${bytes.byteLength - 1}`);

    const closed = await closeUpload(patched.headers.get('location')!, digestOf(bytes));
    expect(closed.status).toBe(201);
    await expectPullableLocation(closed, bytes);
  });
});

describe('Chunked upload (end-5, end-6, end-13)', () => {
  it('end-5: each in-order chunk answers 202 with Location and Range 0-<end>; PUT with the last chunk answers 201', async () => {
    const { location, minChunk } = await startSession();
    const size = chunkSize(minChunk);
    const chunks = [randomBytes(size), randomBytes(size), randomBytes(777)];
    const blob = concatBytes(...chunks);

    const first = await patchChunk(location, chunks[0]!, 0);
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe(`0-${size - 1}`);
    expect(first.headers.get('location')).toBeTruthy();

    const second = await patchChunk(first.headers.get('location')!, chunks[1]!, size);
    expect(second.status).toBe(202);
    expect(second.headers.get('range')).toBe(`0-${2 * size - 1}`);

    const closed = await closeUpload(second.headers.get('location')!, digestOf(blob), chunks[2], {
      'Content-Range': `${2 * size}-${2 * size + 776}`,
    });
    expect(closed.status).toBe(201);
    await expectPullableLocation(closed, blob);
  });

  it('end-5/end-6: all chunks by PATCH, then a PUT with no body and the whole-blob digest answers 201', async () => {
    const { location, minChunk } = await startSession();
    const size = chunkSize(minChunk);
    const chunks = [randomBytes(size), randomBytes(10)];
    const blob = concatBytes(...chunks);
    const first = await patchChunk(location, chunks[0]!, 0);
    expect(first.status).toBe(202);
    const last = await patchChunk(first.headers.get('location')!, chunks[1]!, size);
    expect(last.status).toBe(202);
    expect(last.headers.get('range')).toBe(`0-${size + 9}`);
    const closed = await closeUpload(last.headers.get('location')!, digestOf(blob));
    expect(closed.status).toBe(201);
    await expectBlob(repo, digestOf(blob), blob);
  });

  it('end-5: a chunk that does not start at the current end answers 416', async () => {
    const { location, minChunk } = await startSession();
    const size = chunkSize(minChunk);
    const first = await patchChunk(location, randomBytes(size), 0);
    expect(first.status).toBe(202);
    const gap = await patchChunk(first.headers.get('location')!, randomBytes(size), size + 100);
    expect(gap.status).toBe(416);
  });

  it('end-5: a first chunk that does not start at 0 answers 416', async () => {
    const { location } = await startSession();
    const response = await patchChunk(location, randomBytes(100), 50);
    expect(response.status).toBe(416);
  });

  it('end-5 (Berth): the 416 for an out-of-order chunk carries the current Range of the session', async () => {
    const { location, minChunk } = await startSession();
    const size = chunkSize(minChunk);
    const first = await patchChunk(location, randomBytes(size), 0);
    expect(first.status).toBe(202);
    const replay = await patchChunk(first.headers.get('location')!, randomBytes(size), 0);
    expect(replay.status).toBe(416);
    expect(replay.headers.get('range')).toBe(`0-${size - 1}`);
  });

  it('end-13: after a 416, GET <location> answers 204 with Location and the unchanged Range; the upload then completes from there', async () => {
    const { location, minChunk } = await startSession();
    const size = chunkSize(minChunk);
    const chunks = [randomBytes(size), randomBytes(size)];
    const blob = concatBytes(...chunks);
    const first = await patchChunk(location, chunks[0]!, 0);
    expect(first.status).toBe(202);
    const current = first.headers.get('location')!;
    expect((await patchChunk(current, chunks[1]!, size + 1)).status).toBe(416);

    const status = await client.request('GET', current);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${size - 1}`);
    const resumeAt = status.headers.get('location');
    expect(resumeAt).toBeTruthy();

    const second = await patchChunk(resumeAt!, chunks[1]!, size);
    expect(second.status).toBe(202);
    const closed = await closeUpload(second.headers.get('location')!, digestOf(blob));
    expect(closed.status).toBe(201);
    await expectBlob(repo, digestOf(blob), blob);
  });

  it('end-6 (spec main): a final chunk in the closing PUT that is out of order answers 416', async () => {
    const { location, minChunk } = await startSession();
    const size = chunkSize(minChunk);
    const first = await patchChunk(location, randomBytes(size), 0);
    expect(first.status).toBe(202);
    const tail = randomBytes(50);
    const closed = await closeUpload(first.headers.get('location')!, unknownDigest(), tail, {
      'Content-Range': `${size + 10}-${size + 59}`,
    });
    expect(closed.status).toBe(416);
  });
});

describe('Upload sessions (end-13, end-14)', () => {
  it('end-13: GET on an upload that never existed answers 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const response = await client.request(
      'GET',
      `/v2/${repo}/blobs/uploads/3f6a1b52-7d0e-4c1f-9a35-2b8e64f0c9d1`,
    );
    await expectError(response, 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('end-14: DELETE <location> cancels the upload (204); the session then answers 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const { location, minChunk } = await startSession();
    const patched = await patchChunk(location, randomBytes(chunkSize(minChunk)), 0);
    expect(patched.status).toBe(202);
    const current = patched.headers.get('location')!;

    const cancelled = await client.request('DELETE', current, { body: new Uint8Array(0) });
    expect(cancelled.status).toBe(204);

    await expectError(await client.request('GET', current), 404, 'BLOB_UPLOAD_UNKNOWN');
    const late = await patchChunk(current, randomBytes(10), chunkSize(minChunk));
    await expectError(late, 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('end-6: a completed upload session is gone (GET <location> answers 404 BLOB_UPLOAD_UNKNOWN)', async () => {
    const bytes = randomBytes(200);
    const { location } = await startSession();
    const closed = await closeUpload(location, digestOf(bytes), bytes);
    expect(closed.status).toBe(201);
    await expectError(await client.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });
});

describe('Mounting a blob from another repository (end-11)', () => {
  it('end-11: mount=<digest>&from=<repo> answers 201 with Location and Docker-Content-Digest; the blob is then pullable', async () => {
    const source = randomRepo('push-src');
    const target = randomRepo('push-dst');
    const bytes = randomBytes(2048);
    const digest = await client.pushBlob(source, bytes);

    const response = await client.request(
      'POST',
      withQuery(`/v2/${target}/blobs/uploads/`, { mount: digest, from: source }),
      { body: new Uint8Array(0) },
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(digest);
    await expectPullableLocation(response, bytes);
    await expectBlob(target, digest, bytes);
  });

  it('end-11: mounting a blob the source does not have answers 202 with an upload session that works', async () => {
    const source = randomRepo('push-src');
    await client.pushBlob(source, randomBytes(10));
    const target = randomRepo('push-dst');
    const bytes = randomBytes(512);
    const digest = digestOf(bytes);

    const response = await client.request(
      'POST',
      withQuery(`/v2/${target}/blobs/uploads/`, { mount: digest, from: source }),
      { body: new Uint8Array(0) },
    );
    expect(response.status).toBe(202);
    const location = response.headers.get('location');
    expect(location).toBeTruthy();
    const closed = await closeUpload(location!, digest, bytes);
    expect(closed.status).toBe(201);
    await expectBlob(target, digest, bytes);
  });

  it('end-11: mount without `from` of a blob stored in the registry answers 201 (automatic mount)', async () => {
    const source = randomRepo('push-src');
    const target = randomRepo('push-dst');
    const bytes = randomBytes(999);
    const digest = await client.pushBlob(source, bytes);

    const response = await client.request(
      'POST',
      withQuery(`/v2/${target}/blobs/uploads/`, { mount: digest }),
      {
        body: new Uint8Array(0),
      },
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(digest);
    await expectBlob(target, digest, bytes);
  });

  it('end-11: mount without `from` of an unknown blob answers 202 with a Location', async () => {
    const response = await client.request(
      'POST',
      withQuery(`/v2/${repo}/blobs/uploads/`, { mount: unknownDigest() }),
      {
        body: new Uint8Array(0),
      },
    );
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toMatch(UUID_PATTERN);
  });
});

describe('Digest algorithms', () => {
  const algorithms: DigestAlgorithm[] = ['sha256', 'sha512'];

  it.each(algorithms)(
    'Content Digests (image-spec descriptor): a %s blob pushes and pulls under its digest',
    async (algorithm) => {
      const bytes = randomBytes(3000);
      const digest = await client.pushBlob(repo, bytes, algorithm);
      expect(digest.startsWith(`${algorithm}:`)).toBe(true);
      const response = await client.getBlob(repo, digest);
      expect(response.status).toBe(200);
      const body = await bytesOf(response);
      expect(digestOf(body, algorithm)).toBe(digest);
      // "returns the canonical digest … which MAY differ from the provided digest" (other algorithm),
      // but it MUST be a digest matching the response body.
      const header = response.headers.get('docker-content-digest') ?? '';
      const headerAlgorithm = header.split(':')[0] as DigestAlgorithm;
      expect(['sha256', 'sha512']).toContain(headerAlgorithm);
      expect(digestOf(body, headerAlgorithm)).toBe(header);
      const head = await client.headBlob(repo, digest);
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('3000');
    },
  );
});
