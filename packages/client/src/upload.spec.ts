import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { digestOf } from '@berth/oci';
import { empty, fakeFetch, type SeenRequest } from './fake-registry.spec-helper.js';
import { RegistryClient } from './registry-client.js';
import { rangeEnd } from './upload.js';

const REGISTRY = 'https://registry.example.com';

/**
 * An upload endpoint that keeps what it received, answers relative and absolute Locations in
 * turn, and refuses chosen PATCHes with 416 after taking part of them.
 */
function uploadRegistry(options: { refuse?: number[]; partial?: number } = {}) {
  let received = Buffer.alloc(0);
  let patches = 0;
  let location = 0;
  const next = () =>
    ++location % 2 === 0
      ? `/v2/a/blobs/uploads/s?state=${location}`
      : `${REGISTRY}/v2/a/blobs/uploads/s?state=${location}`;
  const range = () => ({ range: `0-${Math.max(received.length - 1, 0)}`, location: next() });
  const fetch = fakeFetch((request: SeenRequest) => {
    const { method, url, headers, body } = request;
    if (method === 'POST') return empty(202, { location: next() });
    if (method === 'GET') return empty(204, range());
    if (method === 'PATCH') {
      patches += 1;
      const [start] = (headers.get('content-range') ?? '').split('-').map(Number);
      if (options.refuse?.includes(patches)) {
        received = Buffer.concat([received, body.subarray(0, options.partial ?? 0)]);
        return empty(416, range());
      }
      if (start !== received.length) return empty(416, range());
      if (Number(headers.get('content-length')) !== body.length) return empty(400);
      received = Buffer.concat([received, body]);
      return empty(202, range());
    }
    if (method === 'PUT') {
      received = Buffer.concat([received, body]);
      const ok = digestOf(received) === url.searchParams.get('digest') && url.searchParams.has('state');
      return empty(ok ? 201 : 400, ok ? { 'docker-content-digest': digestOf(received) } : {});
    }
    return empty(405);
  });
  return { fetch, received: () => received };
}

const blob = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
const digest = digestOf(blob);
const source = () => Readable.from([blob.subarray(0, 3333), blob.subarray(3333)]);

describe('pushBlob', () => {
  it('uploads monolithically: POST, then one PUT with the whole body', async () => {
    const registry = uploadRegistry();
    const client = new RegistryClient({ url: REGISTRY, fetch: registry.fetch });
    expect(await client.pushBlob('a', digest, blob.length, source)).toEqual({
      digest,
      size: blob.length,
      mounted: false,
    });
    expect(registry.fetch.seen.map((r) => r.method)).toEqual(['POST', 'PUT']);
    expect(registry.received().equals(blob)).toBe(true);
  });

  it('uploads in exact chunks following relative and absolute Locations', async () => {
    const registry = uploadRegistry();
    const client = new RegistryClient({ url: REGISTRY, fetch: registry.fetch });
    await client.pushBlob('a', digest, blob.length, source, { chunkSize: 4096 });
    const patches = registry.fetch.seen.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.headers.get('content-range'))).toEqual(['0-4095', '4096-8191', '8192-9999']);
    expect(patches.map((r) => r.url.searchParams.get('state'))).toEqual(['1', '2', '3']);
    expect(registry.received().equals(blob)).toBe(true);
  });

  it('resumes after a 416 from the offset the registry reports, reopening the source', async () => {
    const registry = uploadRegistry({ refuse: [2], partial: 1000 });
    let opened = 0;
    const client = new RegistryClient({ url: REGISTRY, fetch: registry.fetch });
    await client.pushBlob('a', digest, blob.length, () => (opened++, source()), { chunkSize: 4096 });
    const patches = registry.fetch.seen.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.headers.get('content-range'))).toEqual([
      '0-4095',
      '4096-8191',
      '5096-9191',
      '9192-9999',
    ]);
    expect(opened).toBe(2);
    expect(registry.received().equals(blob)).toBe(true);
  });

  it('gives up after maxResumes and cancels the session', async () => {
    const registry = uploadRegistry({ refuse: [1, 2, 3] });
    const client = new RegistryClient({ url: REGISTRY, fetch: registry.fetch });
    await expect(
      client.pushBlob('a', digest, blob.length, source, { chunkSize: 4096, maxResumes: 2 }),
    ).rejects.toMatchObject({
      status: 416,
    });
    expect(registry.fetch.seen.at(-1)?.method).toBe('DELETE');
  });
});

describe('rangeEnd', () => {
  it('reads the upload Range header as the next offset', () => {
    expect(rangeEnd('0-4095')).toBe(4096);
    expect(rangeEnd('bytes=0-99')).toBe(100);
    expect(rangeEnd('0-0')).toBe(0);
    expect(rangeEnd(null)).toBeUndefined();
  });
});
