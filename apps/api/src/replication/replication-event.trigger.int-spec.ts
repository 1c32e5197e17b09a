import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CredentialCipher,
  openDatabase,
  TypeormRegistryRecords,
  TypeormReplicationExecutionRecords,
  TypeormReplicationPolicyRecords,
  type DataSource,
} from '@berth/db';
import { RegistryEvents } from '@berth/registry';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import { ReplicationEventTrigger } from './replication-event.trigger.js';
import { ReplicationJobs } from './replication-jobs.js';

/** A port nothing listens on: Redis is away. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

describe('event-triggered replication with PostgreSQL and without Redis', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let jobs: ReplicationJobs;
  let trigger: ReplicationEventTrigger;
  let executions: TypeormReplicationExecutionRecords;
  let policyId: string;
  const events = new RegistryEvents();

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 3 });
    const registries = new TypeormRegistryRecords(dataSource, new CredentialCipher(randomBytes(32)));
    const registryId = (await registries.create({ name: 'r', type: 'oci', url: 'http://127.0.0.1:1' })).id;
    const policies = new TypeormReplicationPolicyRecords(dataSource);
    policyId = (
      await policies.create({
        name: 'on-push',
        mode: 'push',
        registryId,
        sourceNamespace: null,
        destinationNamespace: null,
        filters: { repository: 'src/**', tag: null },
        trigger: { type: 'event', cron: null, replicateDeletion: false },
        override: true,
        enabled: true,
        bandwidthLimitKbps: null,
        concurrency: 4,
        retry: { attempts: 3, backoffSeconds: 1 },
      })
    ).id;
    executions = new TypeormReplicationExecutionRecords(dataSource);
    jobs = new ReplicationJobs({
      redisUrl: `redis://127.0.0.1:${await closedPort()}`,
      queuePrefix: 'unused',
    });
    trigger = new ReplicationEventTrigger(events, policies, executions, jobs);
    trigger.onModuleInit();
  });

  afterAll(async () => {
    await trigger?.onModuleDestroy();
    await jobs?.onModuleDestroy();
    await dataSource?.destroy();
    await database?.drop();
  });

  it('returns to the push at once and leaves a pending execution for the reconciler', async () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const started = performance.now();
    events.emit({
      kind: 'manifest.pushed',
      actor: 'alice',
      repository: 'src/app',
      digest,
      mediaType: 'x',
      tags: ['v1'],
    });
    events.emit({
      kind: 'manifest.pushed',
      actor: 'alice',
      repository: 'src/app',
      digest,
      mediaType: 'x',
      tags: [],
    });
    expect(performance.now() - started).toBeLessThan(20);
    await trigger.onModuleDestroy(); // waits for the work the events started
    const { items } = await executions.list({ page: 1, pageSize: 10, policyId });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      status: 'pending',
      trigger: 'event',
      requestedBy: 'alice',
      artifact: { repository: 'src/app', digest, tags: ['v1'] },
    });
    expect(await executions.pendingWork()).toMatchObject({ executions: [{ id: items[0]!.id }] });
  }, 20_000);
});
