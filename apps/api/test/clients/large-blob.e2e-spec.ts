// A 1 GiB blob (BERTH_E2E_LARGE_BLOB_MB, default 1024) pushed the way docker and containers/image
// push layers (POST, one streamed chunked-encoding PATCH, PUT ?digest=) and pulled back, generated
// and hashed on the fly on both sides. The api's RSS is sampled from /proc meanwhile: a registry
// that buffers blobs shows it here. Every request carries a token; the streamed PATCH and GET
// (whose bodies cannot be replayed after a 401) get theirs from `registry.fetch.authorize` first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  HashingStream,
  locationOf,
  mib,
  sampleMemory,
  seededStream,
  startRegistryUnderTest,
  streamDownload,
  streamRequest,
  withQuery,
  type MemorySummary,
  type RegistryUnderTest,
} from '@berth/testing';

const sizeMb = Number(process.env.BERTH_E2E_LARGE_BLOB_MB ?? 1024);
const size = Math.round(sizeMb * 1024 * 1024);
/** RSS growth allowed while streaming, checked only for blobs at least twice this large. */
const maxGrowthMb = Number(process.env.BERTH_E2E_MAX_RSS_GROWTH_MB ?? 256);
const nonce = randomBytes(3).toString('hex');
const project = `e2e-${nonce}`;
const repository = `${project}/large/blob`;

let registry: RegistryUnderTest;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  await registry.createProject(project);
}, 60_000);

afterAll(async () => {
  await registry?.close();
});

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const rate = (ms: number): string => `${(size / 1024 / 1024 / (ms / 1000)).toFixed(0)} MiB/s`;
const memory = (m: MemorySummary | undefined): string =>
  m
    ? `RSS ${mib(m.startRss)} → peak ${mib(m.peakRss)} (VmHWM ${mib(m.hwm)}, ${m.samples} samples)`
    : 'RSS not sampled';

function expectBounded(phase: string, m: MemorySummary | undefined): void {
  if (!m || size < 2 * maxGrowthMb * 1024 * 1024) return;
  const growthMiB = Math.round((Math.max(m.peakRss, m.hwm) - m.startRss) / 1024 / 1024);
  expect({ phase, growthMiB, bounded: growthMiB < maxGrowthMb }).toEqual({ phase, growthMiB, bounded: true });
}

describe('large blob', () => {
  it(
    `streams a ${sizeMb} MiB blob in with one PATCH and out again, byte-exact`,
    async () => {
      expect(size).toBeGreaterThan(0);
      const pid = registry.pid;
      if (!pid) console.log('large blob: registry pid unknown (set BERTH_E2E_PID to sample an external one)');

      const post = await registry.fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
        method: 'POST',
      });
      await post.arrayBuffer();
      expect(post.status).toBe(202);
      const upload = locationOf(post, registry.url);

      // push: no Content-Length, no Content-Range, Transfer-Encoding: chunked, like real clients
      const pushSampler = pid ? sampleMemory(pid) : undefined;
      const pushStarted = Date.now();
      const hashing = new HashingStream();
      const patch = await streamRequest(
        'PATCH',
        upload,
        { ...(await registry.fetch.authorize(upload)), 'content-type': 'application/octet-stream' },
        seededStream(`large-${nonce}`, size).pipe(hashing),
      );
      // the body only matters with a wrong status: then it carries the registry's error
      const error = patch.status === 202 ? undefined : patch.text.slice(0, 1000);
      expect({ status: patch.status, range: patch.headers.range, error }).toEqual({
        status: 202,
        range: `0-${size - 1}`,
        error: undefined,
      });
      const digest = hashing.digest();
      expect(hashing.bytes).toBe(size);
      expect(patch.headers.location).toEqual(expect.any(String));
      const closing = withQuery(new URL(patch.headers.location!, upload).toString(), { digest });
      const put = await registry.fetch(closing, { method: 'PUT' });
      await put.arrayBuffer();
      expect({ status: put.status, digest: put.headers.get('docker-content-digest') }).toEqual({
        status: 201,
        digest,
      });
      const pushMs = Date.now() - pushStarted;
      const pushMemory = pushSampler?.stop();

      const blobUrl = `${registry.url}/v2/${repository}/blobs/${digest}`;
      const head = await registry.fetch(blobUrl, { method: 'HEAD' });
      await head.arrayBuffer();
      expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({
        status: 200,
        length: String(size),
      });

      // authorize() probes with a GET, which must not be the blob itself: the tag list of the
      // repository challenges for the same scope and is small
      const pullAuth = await registry.fetch.authorize(`${registry.url}/v2/${repository}/tags/list`);
      const pullSampler = pid ? sampleMemory(pid) : undefined;
      const pullStarted = Date.now();
      const pulled = await streamDownload(blobUrl, pullAuth);
      const pullMs = Date.now() - pullStarted;
      const pullMemory = pullSampler?.stop();

      console.log(
        [
          `large blob ${sizeMb} MiB ${digest}`,
          `  push ${seconds(pushMs)} (${rate(pushMs)}), ${memory(pushMemory)}`,
          `  pull ${seconds(pullMs)} (${rate(pullMs)}), ${memory(pullMemory)}`,
        ].join('\n'),
      );
      expect({ status: pulled.status, bytes: pulled.bytes, digest: pulled.digest }).toEqual({
        status: 200,
        bytes: size,
        digest,
      });
      expectBounded('push', pushMemory);
      expectBounded('pull', pullMemory);
    },
    10 * 60_000,
  );
});
