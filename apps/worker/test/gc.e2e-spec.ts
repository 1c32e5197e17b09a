// Garbage collection end to end: the real api, token service and worker processes against the
// real PostgreSQL and Redis (a queue prefix of their own). Images are pushed over HTTP; runs are
// started, stopped and followed through the admin API; workers are killed and restarted.
import { randomBytes } from 'node:crypto';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type DataSource } from '@berth/db';
import { connectRedis } from '@berth/jobs';
import {
  locationOf,
  startRegistryUnderTest,
  type RegistryUnderTest,
  type WorkerProcess,
} from '@berth/testing';
import { adminJson, follow, getGc, startGc } from './gc-client.js';
import { fetchBlob, pullsCompletely, pushImage, randomBlob } from './image-push.js';

const TIMEOUT = 120_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE_PREFIX = `berth-e2e-gc-${randomBytes(4).toString('hex')}`;
let registry: RegistryUnderTest;
let db: DataSource;
/** The worker taking jobs now (tests kill it and start another). */
let worker: WorkerProcess;

beforeAll(async () => {
  registry = await startRegistryUnderTest({
    worker: true,
    // Small batches make a collection long enough to stop or kill in the middle; a short stale
    // window makes a dead worker's run resume within seconds.
    // The upload purge runs every minute here, so one wait covers both schedules.
    env: {
      BERTH_WORKER_STALE_SECONDS: '3',
      BERTH_GC_BATCH_SIZE: '10',
      BERTH_UPLOAD_PURGE_CRON: '* * * * *',
      BERTH_LOG_LEVEL: 'info',
      BERTH_QUEUE_PREFIX: QUEUE_PREFIX,
    },
  });
  await registry.createProject('gc');
  worker = registry.api!.worker!;
  db = await openDatabase({ url: registry.api!.databaseUrl, poolSize: 2 });
}, TIMEOUT);

afterAll(async () => {
  await db?.destroy();
  await registry?.close();
  const redis = connectRedis(REDIS_URL, 'worker');
  const keys = await redis.keys(`${QUEUE_PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, TIMEOUT);

/**
 * Garbage without pushing it: `count` blob rows no manifest references, last touched an hour
 * ago, without bytes (GC treats missing bytes as already freed). Returns their tag.
 */
async function plantGarbage(count: number): Promise<string> {
  const tag = randomBytes(4).toString('hex');
  await db.query(
    `INSERT INTO blobs (digest, size, created_at, touched_at)
     SELECT 'sha256:' || encode(sha256(convert_to($1 || '-' || g, 'UTF8')), 'hex'), 100,
            now() - interval '1 hour', now() - interval '1 hour'
     FROM generate_series(1, $2) g`,
    [tag, count],
  );
  return tag;
}

async function garbageLeft(tag: string, count: number): Promise<number> {
  const rows: { n: number }[] = await db.query(
    `SELECT count(*)::int AS n FROM blobs WHERE digest IN (
       SELECT 'sha256:' || encode(sha256(convert_to($1 || '-' || g, 'UTF8')), 'hex') FROM generate_series(1, $2) g)`,
    [tag, count],
  );
  return rows[0]!.n;
}

const digests = (entries: { digest: string }[]) => entries.map((entry) => entry.digest).sort();

describe('garbage collection through the worker', () => {
  it(
    'deletes exactly what only an untagged image used, as its dry run said; the other image still pulls',
    async () => {
      const shared = randomBlob(4096);
      const kept = await pushImage(registry, 'gc/app', 'keep', [shared, randomBlob(2048)]);
      const doomed = await pushImage(registry, 'gc/app', 'old', [shared, randomBlob(3072)]);
      const untag = await registry.fetch(`${registry.url}/v2/gc/app/manifests/old`, { method: 'DELETE' });
      expect(untag.status).toBe(202);
      const unique = [doomed.layers[1]!, doomed.config];

      const dryId = await startGc(registry, { dryRun: true, deleteUntagged: true, graceSeconds: 0 });
      const { run: dry } = await follow(registry, dryId);
      expect(dry).toMatchObject({ status: 'succeeded', dryRun: true, manifestsDeleted: 1, blobsDeleted: 2 });
      expect(dry.bytesFreed).toBe(unique[0]!.size + unique[1]!.size);
      expect(dry.report?.manifests).toEqual([{ repository: 'gc/app', digest: doomed.digest }]);
      expect(digests(dry.report!.blobs)).toEqual(digests(unique));
      for (const blob of [...unique, shared])
        expect((await fetchBlob(registry, 'gc/app', blob)).intact).toBe(true);
      const byDigest = await registry.fetch(`${registry.url}/v2/gc/app/manifests/${doomed.digest}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(byDigest.status).toBe(200);

      const realId = await startGc(registry, { deleteUntagged: true, graceSeconds: 0 });
      const { run: real } = await follow(registry, realId);
      expect(real).toMatchObject({
        status: 'succeeded',
        dryRun: false,
        manifestsDeleted: 1,
        blobsDeleted: 2,
        bytesFreed: dry.bytesFreed,
        attempts: 1,
        error: null,
      });
      expect(real.report?.manifests).toEqual(dry.report?.manifests);
      expect(digests(real.report!.blobs)).toEqual(digests(dry.report!.blobs));
      expect(real.durationMs).toEqual(expect.any(Number));
      expect(real.log.some((line) => line.includes('gc finished'))).toBe(true);
      for (const blob of unique) expect((await fetchBlob(registry, 'gc/app', blob)).status).toBe(404);
      const gone = await registry.fetch(`${registry.url}/v2/gc/app/manifests/${doomed.digest}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(gone.status).toBe(404);
      expect(await pullsCompletely(registry, kept)).toBe(true);

      const history = await adminJson(registry, 'GET', '/api/v1/system/gc?pageSize=100');
      expect(history.status).toBe(200);
      expect((history.body as { id: string }[]).slice(0, 2).map((run) => run.id)).toEqual([realId, dryId]);
      expect(history.body[0].log).toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    'stops a running collection at its next batch',
    async () => {
      const count = 5_000;
      const tag = await plantGarbage(count);
      const id = await startGc(registry, { graceSeconds: 0 });
      await follow(registry, id, (run) => run.status === 'running' && (run.progress?.blobsDeleted ?? 0) > 0);
      const stop = await adminJson(registry, 'POST', `/api/v1/system/gc/${id}/stop`);
      expect(stop.status).toBe(202);
      expect(stop.body).toMatchObject({ id, stopRequested: true });
      const { run } = await follow(registry, id);
      expect(run.status).toBe('stopped');
      expect(run.blobsDeleted).toBeGreaterThan(0);
      expect(run.blobsDeleted).toBeLessThan(count);
      expect(await garbageLeft(tag, count)).toBe(count - run.blobsDeleted);
      const again = await adminJson(registry, 'POST', `/api/v1/system/gc/${id}/stop`);
      expect(again.status).toBe(409);
      // The rest goes in a later run.
      const { run: rest } = await follow(registry, await startGc(registry, { graceSeconds: 0 }));
      expect(rest.status).toBe('succeeded');
      expect(await garbageLeft(tag, count)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'a run whose worker was killed is resumed by the next worker, never left running',
    async () => {
      const count = 5_000;
      const tag = await plantGarbage(count);
      const id = await startGc(registry, { graceSeconds: 0 });
      await follow(registry, id, (run) => run.status === 'running' && (run.progress?.blobsDeleted ?? 0) > 0);
      await worker.kill();
      expect((await getGc(registry, id)).status).toBe('running');
      worker = await registry.api!.startWorker();
      const { run, seen } = await follow(registry, id);
      expect(seen).not.toContain('failed');
      expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(worker.output()).toMatch(/"gc run started","runId":"\d+","attempt":2/);
      expect(await garbageLeft(tag, count)).toBe(0);
      expect(worker.output()).toContain('gc run lost its worker; it will resume');
      expect(worker.exited()).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'a worker stopped with SIGTERM leaves its run pending, and the next worker finishes it',
    async () => {
      const count = 5_000;
      const tag = await plantGarbage(count);
      const id = await startGc(registry, { graceSeconds: 0 });
      await follow(registry, id, (run) => run.status === 'running' && (run.progress?.blobsDeleted ?? 0) > 0);
      await worker.stop();
      const parked = await getGc(registry, id);
      expect(parked).toMatchObject({ status: 'pending', attempts: 0 });
      expect(parked.blobsDeleted).toBeGreaterThan(0);
      worker = await registry.api!.startWorker();
      const { run } = await follow(registry, id);
      expect(run).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(await garbageLeft(tag, count)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'runs a collection, and the purge of abandoned uploads, on their schedules',
    async () => {
      const abandoned = await abandonUpload('gc/uploads');
      const live = await startUpload('gc/uploads');
      const put = await adminJson(registry, 'PUT', '/api/v1/system/gc/schedule', {
        cron: '* * * * *',
        dryRun: true,
        graceSeconds: 0,
      });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ cron: '* * * * *', dryRun: true, deleteUntagged: false, graceSeconds: 0 });
      const deadline = Date.now() + 90_000;
      let scheduled: { id: string; trigger: string } | undefined;
      while (!scheduled && Date.now() < deadline) {
        const history = await adminJson(registry, 'GET', '/api/v1/system/gc?pageSize=5');
        scheduled = (history.body as { id: string; trigger: string }[]).find(
          (run) => run.trigger === 'schedule',
        );
        if (!scheduled) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(scheduled).toBeDefined();
      const { run } = await follow(registry, scheduled!.id);
      expect(run).toMatchObject({ status: 'succeeded', dryRun: true, trigger: 'schedule' });
      expect((await adminJson(registry, 'PUT', '/api/v1/system/gc/schedule', { cron: null })).status).toBe(
        200,
      );

      while ((await uploadStatus(abandoned)) !== 404 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(await uploadStatus(abandoned)).toBe(404);
      expect(await uploadFiles(abandoned)).toEqual([]);
      expect(await uploadStatus(live)).toBe(204);
    },
    TIMEOUT,
  );
});

/** An upload session with a first chunk; returns its URL. */
async function startUpload(repository: string): Promise<string> {
  const start = await registry.fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(start.status).toBe(202);
  const url = locationOf(start, registry.url);
  const chunk = await registry.fetch(url, {
    method: 'PATCH',
    headers: { 'content-type': 'application/octet-stream', 'content-range': '0-9' },
    body: Buffer.alloc(10, 7),
  });
  expect(chunk.status).toBe(202);
  return locationOf(chunk, registry.url);
}

const uploadId = (url: string) => new URL(url).pathname.split('/').at(-1)!;
const uploadPath = (url: string) => path.join(registry.api!.dataDir, 'storage', 'uploads', uploadId(url));

/** An upload session last active two days ago, row and bytes (beyond the default 24 h). */
async function abandonUpload(repository: string): Promise<string> {
  const url = await startUpload(repository);
  await db.query(
    `UPDATE upload_sessions SET created_at = now() - interval '2 days', updated_at = now() - interval '2 days'
     WHERE id = $1`,
    [uploadId(url)],
  );
  const past = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  for (const file of await uploadFiles(url)) await utimes(path.join(uploadPath(url), file), past, past);
  return url;
}

async function uploadFiles(url: string): Promise<string[]> {
  return readdir(uploadPath(url), { recursive: true }).catch(() => []);
}

async function uploadStatus(url: string): Promise<number> {
  const response = await registry.fetch(url);
  await response.arrayBuffer();
  return response.status;
}
