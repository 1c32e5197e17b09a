// Replication triggers and limits end to end: the real api, token service and worker processes
// (PostgreSQL, Redis under a queue prefix of their own) and a real CNCF Distribution with
// htpasswd. Images are pushed into Berth with RegistryClient; nothing starts an execution by
// hand except the limit measurements.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/client';
import { connectRedis } from '@berth/jobs';
import {
  startDistribution,
  startRegistryUnderTest,
  type DistributionRegistry,
  type RegistryUnderTest,
} from '@berth/testing';
import { adminJson } from './gc-client.js';

const TIMEOUT = 120_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE_PREFIX = `berth-e2e-triggers-${randomBytes(4).toString('hex')}`;
const ENDED = ['succeeded', 'failed', 'stopped'];
const MIB = 1024 * 1024;

interface Execution {
  id: string;
  status: string;
  trigger: string;
  operation: string;
  artifact: { repository: string; digest: string | null; tags: string[] } | null;
  total: number;
  succeeded: number;
  skipped: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
interface Task {
  status: string;
  operation: string;
  startedAt: string;
  finishedAt: string;
  log: string[];
}

let registry: RegistryUnderTest;
let distribution: DistributionRegistry;
let berth: RegistryClient;
let remote: RegistryClient;
let registryId: string;

beforeAll(async () => {
  [registry, distribution] = await Promise.all([
    startRegistryUnderTest({
      worker: true,
      env: { BERTH_QUEUE_PREFIX: QUEUE_PREFIX, BERTH_WORKER_STALE_SECONDS: '10', BERTH_LOG_LEVEL: 'info' },
    }),
    startDistribution(),
  ]);
  await Promise.all(['ev', 'keep', 'sched', 'limits'].map((name) => registry.createProject(name)));
  berth = new RegistryClient({ url: registry.url, credentials: registry.credentials! });
  remote = new RegistryClient({ url: distribution.url, credentials: distribution.credentials });
  const created = await adminJson(registry, 'POST', '/api/v1/registries', {
    name: 'distribution',
    type: 'oci',
    url: distribution.url,
    ...distribution.credentials,
  });
  expect(created.status).toBe(201);
  registryId = String(created.body.id);
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
  await distribution?.stop();
  const redis = connectRedis(REDIS_URL, 'worker');
  const keys = await redis.keys(`${QUEUE_PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, TIMEOUT);

async function pushBlob(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await berth.pushBlob(repository, digest, bytes.length, () => Readable.from([bytes]));
  return { digest, size: bytes.length };
}

/** An OCI image (one random layer of `layerSize` bytes) under `tag`, or by digest alone. */
async function pushImage(repository: string, tag?: string, layerSize = 2048, arch = 'amd64') {
  const layer = await pushBlob(repository, randomBytes(layerSize));
  const config = await pushBlob(
    repository,
    Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', nonce: randomBytes(8).toString('hex') })),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }),
  );
  const reference = tag ?? `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const digest = await berth.putManifest(
    repository,
    reference,
    manifest,
    'application/vnd.oci.image.manifest.v1+json',
  );
  return { digest, size: manifest.length };
}

/** A two-platform index: its children pushed by digest first (as every client does), then the index by tag. */
async function pushIndex(repository: string, tag: string): Promise<{ index: string; children: string[] }> {
  const children = [];
  for (const architecture of ['amd64', 'arm64']) {
    const child = await pushImage(repository, undefined, 2048, architecture);
    children.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...child,
      platform: { architecture, os: 'linux' },
    });
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: children,
    }),
  );
  const digest = await berth.putManifest(repository, tag, index, 'application/vnd.oci.image.index.v1+json');
  return { index: digest, children: children.map((child) => child.digest) };
}

async function createPolicy(body: Record<string, unknown>): Promise<string> {
  const response = await adminJson(registry, 'POST', '/api/v1/replication/policies', {
    mode: 'push',
    registryId,
    ...body,
  });
  expect(response.status).toBe(201);
  return String(response.body.id);
}

async function executionsOf(policyId: string): Promise<Execution[]> {
  const { status, body } = await adminJson(
    registry,
    'GET',
    `/api/v1/replication/executions?policyId=${policyId}&pageSize=100`,
  );
  expect(status).toBe(200);
  return ((Array.isArray(body) ? body : body.items) as Execution[]).sort(
    (a, b) => Number(a.id) - Number(b.id),
  );
}

async function tasksOf(executionId: string): Promise<Task[]> {
  const { body } = await adminJson(registry, 'GET', `/api/v1/replication/executions/${executionId}/tasks`);
  return (Array.isArray(body) ? body : body.items) as Task[];
}

/** Polls the policy's executions until `until` holds for them. */
async function waitForExecutions(
  policyId: string,
  until: (executions: Execution[]) => boolean,
  timeoutMs = 30_000,
): Promise<Execution[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const executions = await executionsOf(policyId);
    if (until(executions)) return executions;
    if (Date.now() > deadline) {
      const output = registry.api?.worker?.output() ?? '';
      throw new Error(`policy ${policyId}: ${JSON.stringify(executions)}\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const allEnded = (count: number) => (executions: Execution[]) =>
  executions.length >= count && executions.every((execution) => ENDED.includes(execution.status));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('event-triggered replication', () => {
  let onPush: string;

  it('copies a pushed multi-arch image with one execution; its untagged children start none', async () => {
    const policyId = (onPush = await createPolicy({
      name: 'on-push',
      destinationNamespace: 'mirror',
      filters: { repository: 'ev/**', tag: 'v*' },
      trigger: { type: 'event', replicateDeletion: true },
    }));
    const { index, children } = await pushIndex('ev/app', 'v1');
    const [execution] = await waitForExecutions(policyId, allEnded(1));
    expect(execution).toMatchObject({
      status: 'succeeded',
      trigger: 'event',
      operation: 'copy',
      artifact: { repository: 'ev/app', digest: index, tags: ['v1'] },
      total: 1,
      succeeded: 1,
    });
    expect((await remote.headManifest('mirror/app', 'v1'))?.digest).toBe(index);
    for (const child of children)
      expect((await remote.headManifest('mirror/app', child))?.digest).toBe(child);
    // A tag outside the filter starts nothing; the first push still has exactly one execution.
    await pushImage('ev/app', 'latest');
    await sleep(1_000);
    expect(await executionsOf(policyId)).toHaveLength(1);
    expect(await remote.headManifest('mirror/app', 'latest')).toBeUndefined();
  }, 60_000);

  it('replicates a deleted tag when the policy asks for it', async () => {
    const policyId = onPush;
    const before = (await executionsOf(policyId)).length;
    await berth.deleteTag('ev/app', 'v1');
    const executions = await waitForExecutions(policyId, allEnded(before + 1));
    const deletion = executions.at(-1)!;
    expect(deletion).toMatchObject({
      status: 'succeeded',
      trigger: 'event',
      operation: 'delete',
      artifact: { repository: 'ev/app', digest: null, tags: ['v1'] },
    });
    expect(await remote.headManifest('mirror/app', 'v1')).toBeUndefined();
    const [task] = await tasksOf(deletion.id);
    // Distribution 2.8 cannot untag: the manifest, which no other tag used, went instead.
    expect(task).toMatchObject({ operation: 'delete', status: 'succeeded' });
    expect(task!.log.join('\n')).toMatch(/cannot delete tags; deleted manifest/);
  }, 60_000);

  it('leaves the remote alone on a deletion when the policy does not replicate deletions', async () => {
    const policyId = await createPolicy({
      name: 'keep-on-delete',
      filters: { repository: 'keep/**' },
      trigger: { type: 'event' },
    });
    const { digest } = await pushImage('keep/app', 'v1');
    await waitForExecutions(policyId, allEnded(1));
    expect((await remote.headManifest('keep/app', 'v1'))?.digest).toBe(digest);
    await berth.deleteTag('keep/app', 'v1');
    await sleep(1_500);
    expect(await executionsOf(policyId)).toHaveLength(1);
    expect((await remote.headManifest('keep/app', 'v1'))?.digest).toBe(digest);
  }, 60_000);
});

describe('scheduled replication', () => {
  it('runs on a seconds cron, never two executions of the policy at once, and stops when disabled', async () => {
    // 1.5 MiB at 512 KiB/s: the first execution lasts ~2.5 s while the schedule fires every second.
    const { digest } = await pushImage('sched/app', 'v1', 1.5 * MIB);
    const body = {
      name: 'every-second',
      mode: 'push',
      registryId,
      filters: { repository: 'sched/**' },
      trigger: { type: 'scheduled', cron: '* * * * * *' },
      bandwidthLimitKbps: 512,
    };
    const created = await adminJson(registry, 'POST', '/api/v1/replication/policies', body);
    expect(created.status).toBe(201);
    const policyId = String(created.body.id);
    const executions = await waitForExecutions(policyId, allEnded(2), 40_000);
    expect(executions.every((e) => e.trigger === 'scheduled' && e.status === 'succeeded')).toBe(true);
    for (let i = 1; i < executions.length; i++) {
      expect(Date.parse(executions[i]!.createdAt)).toBeGreaterThanOrEqual(
        Date.parse(executions[i - 1]!.finishedAt!),
      );
    }
    expect(registry.api?.worker?.output()).toMatch(/scheduled replication skipped/);
    expect((await remote.headManifest('sched/app', 'v1'))?.digest).toBe(digest);
    const disabled = await adminJson(registry, 'PUT', `/api/v1/replication/policies/${policyId}`, {
      ...body,
      enabled: false,
    });
    expect(disabled.status).toBe(200);
    await sleep(500); // a tick already queued may still start one
    const count = (await executionsOf(policyId)).length;
    await sleep(2_500);
    expect(await executionsOf(policyId)).toHaveLength(count);
  }, 60_000);

  it('refuses a cron BullMQ cannot schedule, naming trigger.cron', async () => {
    const response = await adminJson(registry, 'POST', '/api/v1/replication/policies', {
      name: 'bad-cron',
      mode: 'push',
      registryId,
      trigger: { type: 'scheduled', cron: '0 25 * * *' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(response.body)).toContain('trigger.cron hour 25 is out of range 0-23');
  });
});

describe('limits', () => {
  it('meters a copy to the bandwidth limit', async () => {
    const { digest } = await pushImage('limits/big', 'v1', 3 * MIB);
    const policyId = await createPolicy({
      name: 'slow',
      filters: { repository: 'limits/big' },
      bandwidthLimitKbps: 1024,
    });
    const started = await adminJson(registry, 'POST', '/api/v1/replication/executions', { policyId });
    expect(started.status).toBe(201);
    const [execution] = await waitForExecutions(policyId, allEnded(1));
    expect(execution!.status).toBe('succeeded');
    const [task] = await tasksOf(execution!.id);
    // 3 MiB at 1 MiB/s, less the quarter-second burst: at least ~2.75 s.
    expect(Date.parse(task!.finishedAt) - Date.parse(task!.startedAt)).toBeGreaterThanOrEqual(2_000);
    expect((await remote.headManifest('limits/big', 'v1'))?.digest).toBe(digest);
  }, 60_000);

  it('runs no more tasks of an execution at once than its concurrency', async () => {
    for (let i = 0; i < 4; i++) await pushImage('limits/many', `t${i}`, 768 * 1024);
    const policyId = await createPolicy({
      name: 'two-at-a-time',
      filters: { repository: 'limits/many' },
      concurrency: 2,
      bandwidthLimitKbps: 512,
    });
    const started = await adminJson(registry, 'POST', '/api/v1/replication/executions', { policyId });
    expect(started.status).toBe(201);
    const [execution] = await waitForExecutions(policyId, allEnded(1));
    expect(execution).toMatchObject({ status: 'succeeded', total: 4, succeeded: 4 });
    const tasks = await tasksOf(execution!.id);
    const edges = tasks.flatMap((task) => [
      { at: Date.parse(task.startedAt), delta: 1 },
      { at: Date.parse(task.finishedAt), delta: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let most = 0;
    for (const edge of edges) most = Math.max(most, (running += edge.delta));
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
