// Berth ↔ Berth replication end to end: two complete Berth instances (each its own api, token
// service and worker, database, storage, ports and queue prefix). Instance A knows B as a
// remote of type `berth`, reached as a least-privilege system robot of B through B's token
// service. A pushes to B, and pulls from B; digests, multi-arch indexes and referrers (a
// signature-like artifact with a `subject`) must arrive unchanged.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/client';
import { connectRedis } from '@berth/jobs';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { adminJson } from './gc-client.js';
import { pushImage, pushIndex, pushSignature, readWholeGraph, SIGNATURE_TYPE } from './oci-graph.js';
import { createPolicy, createRemote, runExecution } from './replication-api.js';

const TIMEOUT = 120_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `berth-e2e-replication-berth-${randomBytes(4).toString('hex')}`;
let a: RegistryUnderTest;
let b: RegistryUnderTest;
let clientA: RegistryClient;
let clientB: RegistryClient;
let remoteB: string;

function start(name: string): Promise<RegistryUnderTest> {
  return startRegistryUnderTest({
    worker: true,
    env: {
      BERTH_QUEUE_PREFIX: `${PREFIX}-${name}`,
      BERTH_WORKER_STALE_SECONDS: '10',
      BERTH_LOG_LEVEL: 'debug',
    },
  });
}

beforeAll(async () => {
  [a, b] = await Promise.all([start('a'), start('b')]);
  await Promise.all([a.createProject('src'), a.createProject('pulled')]);
  await Promise.all([b.createProject('mirror'), b.createProject('upstream')]);
  clientA = new RegistryClient({ url: a.url, credentials: a.credentials! });
  clientB = new RegistryClient({ url: b.url, credentials: b.credentials! });
  // A's credentials on B: a system robot that may push to `mirror` and pull from `upstream`.
  const robot = await adminJson(b, 'POST', '/api/v1/robots', {
    name: 'from-a',
    permissions: [
      { project: 'mirror', actions: ['pull', 'push'] },
      { project: 'upstream', actions: ['pull'] },
    ],
  });
  expect(robot.status).toBe(201);
  remoteB = await createRemote(a, {
    name: 'instance-b',
    type: 'berth',
    url: b.url,
    username: String(robot.body.name),
    password: String(robot.body.secret),
  });
}, TIMEOUT);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  const redis = connectRedis(REDIS_URL, 'worker');
  const keys = await redis.keys(`${PREFIX}-*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, TIMEOUT);

/** The referrers of `digest` in `repository`, as `{digest, artifactType}`. */
async function referrersOf(client: RegistryClient, repository: string, digest: string) {
  return (await client.referrers(repository, digest)).map(({ digest: d, artifactType }) => ({
    digest: d,
    artifactType,
  }));
}

describe('replication between two Berth instances', () => {
  it(
    'push: A to B with equal digests, the whole index and the signatures',
    async () => {
      const index = await pushIndex(clientA, 'src/app', 'v1');
      const signature = await pushSignature(clientA, 'src/app', index);
      const image = await pushImage(clientA, 'src/tool', 'v2', { layers: 3 });
      await pushImage(clientA, 'src/tool', 'dev'); // filtered out by tag
      const policyId = await createPolicy(a, {
        name: 'a-to-b',
        mode: 'push',
        registryId: remoteB,
        destinationNamespace: 'mirror',
        filters: { repository: 'src/**', tag: 'v*' },
      });

      const { execution, tasks } = await runExecution(a, policyId);

      if (tasks.some((task) => task.status !== 'succeeded')) {
        const fs = await import('node:fs');
        fs.writeFileSync(
          '/tmp/berth-b-output.log',
          b.api!.output() + '\n=====A worker\n' + a.api!.worker!.output(),
        );
      }
      expect(tasks.filter((task) => task.status !== 'succeeded')).toEqual([]);
      expect(execution).toMatchObject({ status: 'succeeded', total: 2, succeeded: 2, failed: 0 });
      expect(
        tasks.map((task) => `${task.destinationRepository}:${task.destinationReference}`).sort(),
      ).toEqual(['mirror/app:v1', 'mirror/tool:v2']);
      expect((await clientB.headManifest('mirror/app', 'v1'))?.digest).toBe(index);
      expect((await clientB.headManifest('mirror/tool', 'v2'))?.digest).toBe(image);
      expect(await clientB.headManifest('mirror/tool', 'dev')).toBeUndefined();
      // Both platforms with every blob, byte for byte; the same graph as on A.
      const copied = await readWholeGraph(clientB, 'mirror/app', 'v1');
      expect(copied).toEqual(await readWholeGraph(clientA, 'src/app', 'v1'));
      expect(copied.manifests).toHaveLength(3);
      expect((await readWholeGraph(clientB, 'mirror/tool', 'v2')).blobs).toHaveLength(4);
      // The signature came along, and B's referrers API lists it under the index.
      expect(await referrersOf(clientB, 'mirror/app', index)).toEqual([
        { digest: signature, artifactType: SIGNATURE_TYPE },
      ]);
      expect((await readWholeGraph(clientB, 'mirror/app', signature)).blobs).toHaveLength(2);
    },
    TIMEOUT,
  );

  it(
    'pull: B into A, through B’s catalog as the robot sees it, signatures included',
    async () => {
      const index = await pushIndex(clientB, 'upstream/base', '1.0');
      const signature = await pushSignature(clientB, 'upstream/base', index);
      const child = JSON.parse((await clientB.getManifest('upstream/base', index)).bytes.toString()) as {
        manifests: { digest: string }[];
      };
      const childSignature = await pushSignature(clientB, 'upstream/base', child.manifests[0]!.digest);
      const image = await pushImage(clientB, 'upstream/tools/cli', '2.0');
      const policyId = await createPolicy(a, {
        name: 'b-to-a',
        mode: 'pull',
        registryId: remoteB,
        sourceNamespace: 'upstream',
        destinationNamespace: 'pulled',
        filters: { repository: 'upstream/**', tag: null },
      });

      const { execution, tasks } = await runExecution(a, policyId);

      expect(execution).toMatchObject({ status: 'succeeded', total: 2, succeeded: 2, failed: 0 });
      expect(tasks.every((task) => task.digest !== null)).toBe(true);
      expect((await clientA.headManifest('pulled/base', '1.0'))?.digest).toBe(index);
      expect((await clientA.headManifest('pulled/tools/cli', '2.0'))?.digest).toBe(image);
      expect(await readWholeGraph(clientA, 'pulled/base', '1.0')).toEqual(
        await readWholeGraph(clientB, 'upstream/base', '1.0'),
      );
      // Referrers of the index and of a child manifest both arrived.
      expect(await referrersOf(clientA, 'pulled/base', index)).toEqual([
        { digest: signature, artifactType: SIGNATURE_TYPE },
      ]);
      expect(await referrersOf(clientA, 'pulled/base', child.manifests[0]!.digest)).toEqual([
        { digest: childSignature, artifactType: SIGNATURE_TYPE },
      ]);
      // Nothing of B's `mirror` project (which the robot may also read) was pulled.
      const pulled: string[] = [];
      for await (const repository of clientA.catalog()) pulled.push(repository);
      expect(pulled.filter((name) => name.startsWith('pulled/')).sort()).toEqual([
        'pulled/base',
        'pulled/tools/cli',
      ]);
    },
    TIMEOUT,
  );

  it(
    'a second run copies nothing again: every task finds its graph at the destination',
    async () => {
      const policyId = await createPolicy(a, {
        name: 'a-to-b-again',
        mode: 'push',
        registryId: remoteB,
        destinationNamespace: 'mirror',
        filters: { repository: 'src/app', tag: 'v1' },
      });
      const { execution, tasks } = await runExecution(a, policyId);
      expect(execution).toMatchObject({ status: 'succeeded', total: 1, succeeded: 1 });
      const log = tasks[0]!.log.join('\n');
      expect(log).toMatch(/manifests 0 copied/);
      expect(log).toMatch(/blobs 0 copied/);
    },
    TIMEOUT,
  );
});
