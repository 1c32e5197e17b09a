// Replication under faults, end to end: the real api, token service and worker, and a CNCF
// Distribution (htpasswd) reached through a small faulty proxy on loopback that can hold
// requests (so a copy is provably mid-transfer) or answer 500 for a while.
// - A worker killed with SIGKILL in the middle of an execution: a new worker picks the lost
//   tasks up (stale heartbeat, BERTH_WORKER_STALE_SECONDS=3) and the execution succeeds with
//   every artifact intact.
// - A remote answering 500 for a few seconds: tasks retry with backoff and succeed, and their
//   logs show the retries; a remote that stays down fails the execution with the reason.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/client';
import { connectRedis } from '@berth/jobs';
import {
  startDistribution,
  startFaultyProxy,
  startRegistryUnderTest,
  type DistributionRegistry,
  type FaultyProxy,
  type RegistryUnderTest,
} from '@berth/testing';
import { pushImage, pushIndex, readWholeGraph } from './oci-graph.js';
import {
  createPolicy,
  createRemote,
  executionTasks,
  runExecution,
  startExecution,
  waitForExecution,
} from './replication-api.js';

const TIMEOUT = 120_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE_PREFIX = `berth-e2e-replication-faults-${randomBytes(4).toString('hex')}`;
let berth: RegistryUnderTest;
let distribution: DistributionRegistry;
let proxy: FaultyProxy;
let local: RegistryClient;
let remote: RegistryClient;
let remoteId: string;

beforeAll(async () => {
  [berth, distribution] = await Promise.all([
    startRegistryUnderTest({
      worker: true,
      env: { BERTH_QUEUE_PREFIX: QUEUE_PREFIX, BERTH_WORKER_STALE_SECONDS: '3' },
    }),
    startDistribution(),
  ]);
  proxy = await startFaultyProxy(distribution.url);
  await Promise.all([berth.createProject('src'), berth.createProject('pulled')]);
  local = new RegistryClient({ url: berth.url, credentials: berth.credentials! });
  // Straight to Distribution, for checking what arrived (the proxy is the worker's path).
  remote = new RegistryClient({ url: distribution.url, credentials: distribution.credentials });
  remoteId = await createRemote(berth, {
    name: 'distribution-behind-proxy',
    type: 'oci',
    url: proxy.url,
    ...distribution.credentials,
  });
}, TIMEOUT);

afterAll(async () => {
  await proxy?.close();
  await Promise.all([berth?.close(), distribution?.stop()]);
  const redis = connectRedis(REDIS_URL, 'worker');
  const keys = await redis.keys(`${QUEUE_PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, TIMEOUT);

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Pushes `count` images `<prefix>-<i>:v1` into Berth; returns `repository` → digest. */
async function pushImages(prefix: string, count: number): Promise<Map<string, string>> {
  const pushed = new Map<string, string>();
  for (let i = 0; i < count; i += 1) {
    const repository = `${prefix}-${i}`;
    pushed.set(repository, await pushImage(local, repository, 'v1', { layers: 2 }));
  }
  return pushed;
}

/** Every artifact is on Distribution under its digest, each blob's bytes matching. */
async function expectArrived(pushed: Map<string, string>, rename = (name: string) => name) {
  for (const [repository, digest] of pushed) {
    expect((await remote.headManifest(rename(repository), 'v1'))?.digest).toBe(digest);
    const graph = await readWholeGraph(remote, rename(repository), 'v1');
    expect(graph.blobs).toHaveLength(3);
  }
}

describe('replication under faults', () => {
  it(
    'a worker killed mid-execution: a new worker finishes it, every artifact intact, no task left open',
    async () => {
      const pushed = await pushImages('src/many/img', 12);
      // Blob uploads of images 6–11 are held: their tasks stay in the middle of a transfer.
      proxy.hold(({ method, path }) => {
        const match = /\/img-(\d+)\/blobs\/uploads\//.exec(path);
        return method === 'PUT' && match !== null && Number(match[1]) >= 6;
      });
      const policyId = await createPolicy(berth, {
        name: 'kill-mid-copy',
        mode: 'push',
        registryId: remoteId,
        filters: { repository: 'src/many/**', tag: null },
      });
      const id = await startExecution(berth, policyId);
      const midway = await waitForExecution(berth, id, (e) => e.succeeded >= 6 && proxy.held() >= 1);
      expect(midway.status).toBe('running');
      const running = (await executionTasks(berth, id)).filter((task) => task.status === 'running');
      expect(running.length).toBeGreaterThan(0);

      await berth.api!.worker!.kill();
      // Once the proxy has seen the dead worker's connections close, its held requests are
      // dropped on release, never forwarded.
      await until(() => proxy.held() === 0);
      proxy.release();
      const worker = await berth.api!.startWorker();
      const execution = await waitForExecution(berth, id);

      expect(execution).toMatchObject({
        status: 'succeeded',
        total: 12,
        succeeded: 12,
        failed: 0,
        inProgress: 0,
      });
      const tasks = await executionTasks(berth, id);
      expect(tasks.filter((task) => task.status !== 'succeeded')).toEqual([]);
      // The tasks that were mid-copy ran a second time, and say why.
      for (const lost of running) {
        const task = tasks.find((t) => t.id === lost.id)!;
        expect(task.attempts).toBe(2);
        expect(task.log.join('\n')).toMatch(/worker lost; task re-queued/);
      }
      expect(proxy.requests().filter((request) => request.outcome === 'dropped').length).toBeGreaterThan(0);
      await expectArrived(pushed);
      expect(worker.exited()).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'push to a remote answering 500 for 3 s: tasks retry with backoff and succeed',
    async () => {
      const pushed = await pushImages('src/flaky/img', 3);
      const index = await pushIndex(local, 'src/flaky/multi', 'v1');
      const policyId = await createPolicy(berth, {
        name: 'flaky-push',
        mode: 'push',
        registryId: remoteId,
        destinationNamespace: 'flaky',
        filters: { repository: 'src/flaky/**', tag: null },
        retry: { attempts: 5, backoffSeconds: 1 },
      });
      proxy.failFor(3000);
      const started = Date.now();
      const { execution, tasks } = await runExecution(berth, policyId);

      expect(execution).toMatchObject({ status: 'succeeded', total: 4, succeeded: 4, failed: 0 });
      expect(Date.now() - started).toBeGreaterThan(3000);
      expect(proxy.requests().filter((request) => request.outcome === 'failed').length).toBeGreaterThan(0);
      for (const task of tasks) {
        const log = task.log.join('\n');
        // At least one failed try with the remote's 500, a backoff, and the copy in the end.
        expect(log).toMatch(/attempt 1 failed \(.*500.*\); retrying in \d+ ms/);
        expect(log).toMatch(/copied sha256:/);
        expect(task.error).toBeNull();
      }
      await expectArrived(pushed, (name) => name.replace(/^src\//, 'flaky/'));
      expect((await remote.headManifest('flaky/flaky/multi', 'v1'))?.digest).toBe(index);
      expect((await readWholeGraph(remote, 'flaky/flaky/multi', 'v1')).manifests).toHaveLength(3);
    },
    TIMEOUT,
  );

  it(
    'pull from a remote whose first requests fail with 500: resolved and copied after retries',
    async () => {
      const digest = await pushImage(remote, 'upstream/base', '1.0', { layers: 2 });
      const policyId = await createPolicy(berth, {
        name: 'flaky-pull',
        mode: 'pull',
        registryId: remoteId,
        sourceNamespace: 'upstream',
        destinationNamespace: 'pulled',
        filters: { repository: 'upstream/**', tag: null },
        retry: { attempts: 5, backoffSeconds: 1 },
      });
      // Enough to exhaust one request's own retries (3 tries) twice over.
      proxy.failNext(7);
      const { execution, tasks } = await runExecution(berth, policyId);

      expect(execution).toMatchObject({ status: 'succeeded', total: 1, succeeded: 1 });
      expect(tasks[0]!.digest).toBe(digest);
      expect(
        proxy.requests().filter((request) => request.outcome === 'failed').length,
      ).toBeGreaterThanOrEqual(7);
      expect((await local.headManifest('pulled/base', '1.0'))?.digest).toBe(digest);
      expect((await readWholeGraph(local, 'pulled/base', '1.0')).blobs).toHaveLength(3);
    },
    TIMEOUT,
  );

  it(
    'a remote that stays down: the execution fails with the reason, no task left open',
    async () => {
      await pushImages('src/down/img', 1);
      const policyId = await createPolicy(berth, {
        name: 'down-push',
        mode: 'push',
        registryId: remoteId,
        filters: { repository: 'src/down/**', tag: null },
        retry: { attempts: 2, backoffSeconds: 1 },
      });
      proxy.failFor(60_000);
      try {
        const { execution, tasks } = await runExecution(berth, policyId);
        expect(execution).toMatchObject({ status: 'failed', total: 1, failed: 1, inProgress: 0 });
        expect(tasks[0]!.status).toBe('failed');
        expect(tasks[0]!.error).toMatch(/src\/down\/img-0:v1.*500/s);
        expect(tasks[0]!.log.join('\n')).toMatch(/attempt 2\b/);
      } finally {
        proxy.failFor(0);
      }
    },
    TIMEOUT,
  );
});
