import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CredentialCipher,
  openDatabase,
  TypeormRegistryRecords,
  TypeormReplicationPolicyRecords,
  type DataSource,
  type ReplicationPolicyFields,
} from '@berth/db';
import {
  connectRedis,
  JobQueue,
  QUEUES,
  REPLICATION_SCHEDULE_PREFIX,
  replicationScheduleId,
} from '@berth/jobs';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import { ReplicationSchedules } from './replication-schedules.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `berth-test-schedules-${randomBytes(4).toString('hex')}`;

describe('ReplicationSchedules against PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let policies: TypeormReplicationPolicyRecords;
  let registryId: string;
  const queue = JobQueue.open(QUEUES.replication, { redisUrl: REDIS_URL, prefix, role: 'worker' });

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 3 });
    policies = new TypeormReplicationPolicyRecords(dataSource);
    const registries = new TypeormRegistryRecords(dataSource, new CredentialCipher(randomBytes(32)));
    registryId = (await registries.create({ name: 'r', type: 'oci', url: 'http://127.0.0.1:1' })).id;
  });

  afterAll(async () => {
    await queue.close();
    const redis = connectRedis(REDIS_URL, 'worker');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await dataSource?.destroy();
    await database?.drop();
  });

  const policy = (name: string, trigger: ReplicationPolicyFields['trigger'], enabled = true) =>
    policies.create({
      name,
      mode: 'push',
      registryId,
      sourceNamespace: null,
      destinationNamespace: null,
      filters: { repository: null, tag: null },
      trigger,
      override: true,
      enabled,
      bandwidthLimitKbps: null,
      concurrency: 4,
      retry: { attempts: 3, backoffSeconds: 1 },
    });

  it('keeps one scheduler per enabled scheduled policy, in step with every change', async () => {
    const nightly = await policy('nightly', {
      type: 'scheduled',
      cron: '0 3 * * *',
      replicateDeletion: false,
    });
    const seconds = await policy('seconds', {
      type: 'scheduled',
      cron: '*/5 * * * * *',
      replicateDeletion: false,
    });
    await policy('off', { type: 'scheduled', cron: '0 4 * * *', replicateDeletion: false }, false);
    await policy('manual', { type: 'manual', cron: null, replicateDeletion: false });
    // A stored pattern BullMQ cannot take (written before validation) is skipped, not fatal.
    await policy('broken', { type: 'scheduled', cron: '0 99 * * *', replicateDeletion: false });
    // A scheduler left behind by a policy deleted while the api could not reach Redis.
    await queue.schedule(replicationScheduleId('999999'), '0 5 * * *', 'replication.scheduled', {
      policyId: '999999',
    });
    const schedules = new ReplicationSchedules(policies, () => queue);
    await schedules.pass();
    expect((await queue.schedulerIds(REPLICATION_SCHEDULE_PREFIX)).sort()).toEqual(
      [replicationScheduleId(nightly.id), replicationScheduleId(seconds.id)].sort(),
    );
    expect(await queue.scheduled(replicationScheduleId(seconds.id))).toBe('*/5 * * * * *');

    await policies.replace(nightly.id, { ...nightly, trigger: { ...nightly.trigger, cron: '30 2 * * *' } });
    await policies.replace(seconds.id, { ...seconds, enabled: false });
    await schedules.pass();
    expect(await queue.schedulerIds(REPLICATION_SCHEDULE_PREFIX)).toEqual([
      replicationScheduleId(nightly.id),
    ]);
    expect(await queue.scheduled(replicationScheduleId(nightly.id))).toBe('30 2 * * *');

    await policies.delete(nightly.id);
    await schedules.pass();
    expect(await queue.schedulerIds(REPLICATION_SCHEDULE_PREFIX)).toEqual([]);
  });

  it('does nothing without Redis', async () => {
    await expect(new ReplicationSchedules(policies, () => undefined).pass()).resolves.toBeUndefined();
  });
});
