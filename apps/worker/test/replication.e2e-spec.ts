// Replication end to end: the real api, token service and worker processes (PostgreSQL, Redis
// under a queue prefix of their own) and a real CNCF Distribution with htpasswd. Images are
// pushed into Berth over HTTP; registries, policies and executions go through the admin API.
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

const TIMEOUT = 180_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE_PREFIX = `berth-e2e-replication-${randomBytes(4).toString('hex')}`;
let registry: RegistryUnderTest;
let distribution: DistributionRegistry;
let berth: RegistryClient;
let remote: RegistryClient;
/** `repository:tag` → digest of everything pushed into Berth. */
const pushed = new Map<string, string>();

beforeAll(async () => {
  [registry, distribution] = await Promise.all([
    startRegistryUnderTest({
      worker: true,
      env: { BERTH_QUEUE_PREFIX: QUEUE_PREFIX, BERTH_WORKER_STALE_SECONDS: '5' },
    }),
    startDistribution(),
  ]);
  await registry.createProject('src');
  await registry.createProject('pulled');
  berth = new RegistryClient({ url: registry.url, credentials: registry.credentials! });
  remote = new RegistryClient({ url: distribution.url, credentials: distribution.credentials });
  pushed.set('src/app:v1.0', await pushIndex(berth, 'src/app', 'v1.0'));
  pushed.set('src/app:v2.0', await pushImage(berth, 'src/app', 'v2.0'));
  pushed.set('src/app-cli:v1.1', await pushImage(berth, 'src/app-cli', 'v1.1'));
  pushed.set('src/app-cli:latest', await pushImage(berth, 'src/app-cli', 'latest'));
  pushed.set('src/web:v1.0', await pushImage(berth, 'src/web', 'v1.0'));
  pushed.set('src/web:v1.5', await pushImage(berth, 'src/web', 'v1.5'));
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
  await distribution?.stop();
  const redis = connectRedis(REDIS_URL, 'worker');
  const keys = await redis.keys(`${QUEUE_PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, TIMEOUT);

function blob(bytes: Buffer): { digest: string; size: number; bytes: Buffer } {
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length, bytes };
}

async function pushBlob(
  client: RegistryClient,
  repository: string,
  bytes: Buffer,
): Promise<{ digest: string; size: number }> {
  const b = blob(bytes);
  await client.pushBlob(repository, b.digest, b.size, () => Readable.from([b.bytes]));
  return { digest: b.digest, size: b.size };
}

/** An OCI image manifest (one random layer) pushed under `tag`, or by digest; returns its digest. */
async function pushImage(
  client: RegistryClient,
  repository: string,
  tag?: string,
  arch = 'amd64',
): Promise<string> {
  const layer = await pushBlob(client, repository, randomBytes(2048));
  const config = await pushBlob(
    client,
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
  return client.putManifest(
    repository,
    tag ?? blob(manifest).digest,
    manifest,
    'application/vnd.oci.image.manifest.v1+json',
  );
}

/** A two-platform OCI index tagged `tag`; returns its digest. */
async function pushIndex(client: RegistryClient, repository: string, tag: string): Promise<string> {
  const manifests = [];
  for (const architecture of ['amd64', 'arm64']) {
    const digest = await pushImage(client, repository, undefined, architecture);
    const head = await client.headManifest(repository, digest);
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: head!.size,
      platform: { architecture, os: 'linux' },
    });
  }
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
  return client.putManifest(repository, tag, index, 'application/vnd.oci.image.index.v1+json');
}

async function createRegistry(name: string, password: string): Promise<string> {
  const response = await adminJson(registry, 'POST', '/api/v1/registries', {
    name,
    type: 'oci',
    url: distribution.url,
    username: distribution.credentials.username,
    password,
  });
  expect(response.status).toBe(201);
  return String(response.body.id);
}

async function registryIdOf(name: string): Promise<string> {
  const { body } = await adminJson(registry, 'GET', '/api/v1/registries');
  const list = (Array.isArray(body) ? body : body.items) as { id: string | number; name: string }[];
  const found = list.find((entry) => entry.name === name);
  if (!found) throw new Error(`no registry ${name}`);
  return String(found.id);
}

async function createPolicy(body: Record<string, unknown>): Promise<string> {
  const response = await adminJson(registry, 'POST', '/api/v1/replication/policies', {
    trigger: { type: 'manual' },
    ...body,
  });
  expect(response.status).toBe(201);
  return String(response.body.id);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are asserted, not typed
async function runExecution(policyId: string): Promise<{ execution: any; tasks: any[] }> {
  const started = await adminJson(registry, 'POST', '/api/v1/replication/executions', { policyId });
  expect(started.status).toBe(201);
  const id = String(started.body.id);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { body: execution } = await adminJson(registry, 'GET', `/api/v1/replication/executions/${id}`);
    if (['succeeded', 'failed', 'stopped'].includes(execution.status)) {
      const { body } = await adminJson(
        registry,
        'GET',
        `/api/v1/replication/executions/${id}/tasks?pageSize=100`,
      );
      return { execution, tasks: Array.isArray(body) ? body : body.items };
    }
    if (Date.now() > deadline)
      throw new Error(`execution ${id} still ${execution.status}:\n${registry.api!.worker!.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function remoteTags(client: RegistryClient): Promise<string[]> {
  const found: string[] = [];
  for await (const repository of client.catalog()) {
    for await (const tag of client.listTags(repository)) found.push(`${repository}:${tag}`);
  }
  return found.sort();
}

describe('replication', () => {
  it(
    'push: only the matching repositories and tags arrive, renamed, with equal digests and whole graphs',
    async () => {
      const registryId = await createRegistry('distribution', distribution.credentials.password);
      const policyId = await createPolicy({
        name: 'push-mirror',
        mode: 'push',
        registryId,
        destinationNamespace: 'mirror',
        filters: { repository: 'src/app*', tag: 'v1*' },
      });
      const { execution, tasks } = await runExecution(policyId);
      expect(execution).toMatchObject({ status: 'succeeded', total: 2, succeeded: 2, failed: 0 });
      expect(
        tasks.map((task) => `${task.destinationRepository}:${task.destinationReference}`).sort(),
      ).toEqual(['mirror/app-cli:v1.1', 'mirror/app:v1.0']);
      expect(await remoteTags(remote)).toEqual(['mirror/app-cli:v1.1', 'mirror/app:v1.0']);
      expect((await remote.headManifest('mirror/app', 'v1.0'))?.digest).toBe(pushed.get('src/app:v1.0'));
      expect((await remote.headManifest('mirror/app-cli', 'v1.1'))?.digest).toBe(
        pushed.get('src/app-cli:v1.1'),
      );
      // The index is complete: each child manifest and each of their blobs is there.
      const index = await remote.getManifest('mirror/app', 'v1.0');
      const children = (JSON.parse(index.bytes.toString()) as { manifests: { digest: string }[] }).manifests;
      expect(children).toHaveLength(2);
      for (const child of children) {
        const manifest = await remote.getManifest('mirror/app', child.digest);
        const parsed = JSON.parse(manifest.bytes.toString()) as {
          config: { digest: string };
          layers: { digest: string }[];
        };
        for (const entry of [parsed.config, ...parsed.layers]) {
          expect(await remote.blobExists('mirror/app', entry.digest)).toBe(true);
        }
      }
    },
    TIMEOUT,
  );

  it(
    'pull: the remote repositories arrive in Berth project pulled',
    async () => {
      const registryId = await registryIdOf('distribution');
      const policyId = await createPolicy({
        name: 'pull-mirror',
        mode: 'pull',
        registryId,
        sourceNamespace: 'mirror',
        destinationNamespace: 'pulled',
        filters: { repository: 'mirror/**', tag: null },
      });
      const { execution } = await runExecution(policyId);
      expect(execution).toMatchObject({ status: 'succeeded', total: 2, succeeded: 2 });
      expect((await berth.headManifest('pulled/app', 'v1.0'))?.digest).toBe(pushed.get('src/app:v1.0'));
      expect((await berth.headManifest('pulled/app-cli', 'v1.1'))?.digest).toBe(
        pushed.get('src/app-cli:v1.1'),
      );
    },
    TIMEOUT,
  );

  it(
    'flattening: "none" keeps the whole source path under the namespace, "all" only its last segment',
    async () => {
      const registryId = await registryIdOf('distribution');
      const run = async (name: string, flattening: string) =>
        runExecution(
          await createPolicy({
            name,
            mode: 'push',
            registryId,
            destinationNamespace: name,
            flattening,
            filters: { repository: 'src/app', tag: 'v1.0' },
          }),
        );
      const none = await run('flat-none', 'none');
      expect(none.execution).toMatchObject({ status: 'succeeded', total: 1, succeeded: 1 });
      expect(none.tasks.map((task) => String(task.destinationRepository))).toEqual(['flat-none/src/app']);
      expect((await remote.headManifest('flat-none/src/app', 'v1.0'))?.digest).toBe(
        pushed.get('src/app:v1.0'),
      );
      // `src/app` has fewer segments than "all" removes: its last one stays.
      const all = await run('flat-all', 'all');
      expect(all.tasks.map((task) => String(task.destinationRepository))).toEqual(['flat-all/app']);
      expect((await remote.headManifest('flat-all/app', 'v1.0'))?.digest).toBe(pushed.get('src/app:v1.0'));
    },
    TIMEOUT,
  );

  it(
    'an empty match succeeds with no task',
    async () => {
      const registryId = await registryIdOf('distribution');
      const policyId = await createPolicy({
        name: 'push-nothing',
        mode: 'push',
        registryId,
        filters: { repository: 'nowhere/**', tag: null },
      });
      const { execution } = await runExecution(policyId);
      expect(execution).toMatchObject({ status: 'succeeded', total: 0 });
    },
    TIMEOUT,
  );

  it(
    'a wrong password fails the execution with the reason in the task error',
    async () => {
      const registryId = await createRegistry('distribution-bad', 'not-the-password');
      const policyId = await createPolicy({
        name: 'push-bad',
        mode: 'push',
        registryId,
        filters: { repository: 'src/web', tag: 'v1.0' },
      });
      const { execution, tasks } = await runExecution(policyId);
      expect(execution).toMatchObject({ status: 'failed', total: 1, failed: 1 });
      expect(tasks).toHaveLength(1);
      expect(tasks[0].status).toBe('failed');
      expect(tasks[0].error).toMatch(/src\/web:v1\.0.*401/s);
    },
    TIMEOUT,
  );
});
