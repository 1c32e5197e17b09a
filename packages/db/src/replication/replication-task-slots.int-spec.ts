import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { CredentialCipher } from './credential-cipher.js';
import { TypeormRegistryRecords } from './registry-records.js';
import { TypeormReplicationExecutionRecords } from './replication-execution-records.js';
import {
  TypeormReplicationPolicyRecords,
  type ReplicationPolicyFields,
} from './replication-policy-records.js';

describe('replication triggers and limits in PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let registryId: string;
  let policies: TypeormReplicationPolicyRecords;
  let executions: TypeormReplicationExecutionRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    const registries = new TypeormRegistryRecords(dataSource, new CredentialCipher(randomBytes(32)));
    registryId = (await registries.create({ name: 'r', type: 'oci', url: 'http://127.0.0.1:1' })).id;
    policies = new TypeormReplicationPolicyRecords(dataSource);
    executions = new TypeormReplicationExecutionRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const policy = (
    name: string,
    overrides: Partial<ReplicationPolicyFields> = {},
  ): ReplicationPolicyFields => ({
    name,
    mode: 'push',
    registryId,
    sourceNamespace: null,
    destinationNamespace: null,
    filters: { repository: null, tag: null },
    trigger: { type: 'manual', cron: null, replicateDeletion: false },
    override: true,
    enabled: true,
    bandwidthLimitKbps: null,
    concurrency: 4,
    retry: { attempts: 3, backoffSeconds: 1 },
    ...overrides,
  });

  const tasks = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      sourceRepository: 'src/a',
      sourceReference: `v${i}`,
      destinationRepository: 'mirror/a',
      destinationReference: `v${i}`,
    }));

  it('stores the trigger, the limits and the retry settings', async () => {
    const created = await policies.create(
      policy('limits', {
        trigger: { type: 'event', cron: null, replicateDeletion: true },
        bandwidthLimitKbps: 512,
        concurrency: 2,
        retry: { attempts: 5, backoffSeconds: 30 },
      }),
    );
    expect(await policies.get(created.id)).toMatchObject({
      trigger: { type: 'event', cron: null, replicateDeletion: true },
      bandwidthLimitKbps: 512,
      concurrency: 2,
      retry: { attempts: 5, backoffSeconds: 30 },
    });
    const scheduled = await policies.create(
      policy('every-minute', { trigger: { type: 'scheduled', cron: '* * * * *', replicateDeletion: false } }),
    );
    await policies.create(
      policy('off', {
        enabled: false,
        trigger: { type: 'scheduled', cron: '* * * * *', replicateDeletion: false },
      }),
    );
    expect((await policies.enabledWithTrigger('scheduled')).map((p) => p.id)).toEqual([scheduled.id]);
    expect((await policies.enabledWithTrigger('event')).map((p) => p.id)).toEqual([created.id]);
  });

  it('records the artifact and the operation of an event-triggered execution', async () => {
    const p = await policies.create(policy('event-work'));
    const execution = await executions.create(p.id, 'event', null, {
      operation: 'delete',
      artifact: { repository: 'src/a', digest: null, tags: ['v1'] },
    });
    expect(execution).toMatchObject({
      trigger: 'event',
      operation: 'delete',
      artifact: { repository: 'src/a', digest: null, tags: ['v1'] },
    });
    expect(await executions.create(p.id, 'manual', 'admin')).toMatchObject({
      operation: 'copy',
      artifact: null,
    });
    await executions.claim(execution.id);
    await executions.resolve(execution.id, [{ ...tasks(1)[0]!, operation: 'delete' }]);
    const [task] = (await executions.tasks(execution.id, { page: 1, pageSize: 10 })).items;
    expect(task).toMatchObject({ operation: 'delete', sourceReference: 'v0' });
  });

  it('creates a scheduled execution only when none of the policy is pending or running, even when racing', async () => {
    const p = await policies.create(policy('no-overlap'));
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => executions.createUnlessActive(p.id, 'scheduled')),
    );
    const created = attempts.filter((a) => 'status' in a);
    expect(created).toHaveLength(1);
    const createdId = (created[0] as { id: string }).id;
    for (const skipped of attempts.filter((a) => !('status' in a))) {
      expect(skipped).toEqual({ activeId: createdId });
    }
    // Running still blocks; an ended one does not.
    await executions.claim(createdId);
    expect(await executions.createUnlessActive(p.id, 'scheduled')).toEqual({ activeId: createdId });
    await executions.resolve(createdId, []);
    expect(await executions.finishIfDone(createdId)).toBe('succeeded');
    expect(await executions.createUnlessActive(p.id, 'scheduled')).toMatchObject({
      status: 'pending',
      trigger: 'scheduled',
    });
  });

  it('never dispatches more tasks than the concurrency, with many dispatchers at once', async () => {
    const p = await policies.create(policy('two-at-a-time', { concurrency: 2 }));
    const execution = await executions.create(p.id, 'manual', null);
    await executions.claim(execution.id);
    await executions.resolve(execution.id, tasks(7));
    const first = (
      await Promise.all(Array.from({ length: 6 }, () => executions.dispatch(execution.id)))
    ).flat();
    expect(first).toHaveLength(2);
    expect(await executions.dispatch(execution.id)).toEqual([]);
    // Only dispatched tasks can be claimed.
    const waiting = (await executions.tasks(execution.id, { page: 1, pageSize: 10 })).items.find(
      (t) => !first.some((d) => d.id === t.id),
    )!;
    expect(await executions.claimTask(waiting.id)).toBeUndefined();
    let maxRunning = 0;
    const runOne = async (id: string): Promise<void> => {
      expect(await executions.claimTask(id)).toMatchObject({ status: 'running' });
      const [{ n }] = await dataSource.query(
        `SELECT count(*)::int AS n FROM replication_tasks WHERE execution_id = $1 AND status = 'running'`,
        [execution.id],
      );
      maxRunning = Math.max(maxRunning, n as number);
      await executions.finishTask(id, { status: 'succeeded', log: '' });
      // Each ending hands its slot on, racing the other ending tasks.
      const next = await executions.dispatch(execution.id);
      await Promise.all(next.map((task) => runOne(task.id)));
    };
    await Promise.all(first.map((task) => runOne(task.id)));
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(await executions.finishIfDone(execution.id)).toBe('succeeded');
    expect(await executions.get(execution.id)).toMatchObject({ total: 7, succeeded: 7 });
  });

  it('gives a dead worker’s slot back and re-enqueues dispatched tasks whose job may be lost', async () => {
    const p = await policies.create(policy('one-at-a-time', { concurrency: 1 }));
    const execution = await executions.create(p.id, 'manual', null);
    await executions.claim(execution.id);
    await executions.resolve(execution.id, tasks(3));
    // The reconciler fills the free slot and lists the dispatched task (its job may be gone).
    const work = await executions.pendingWork();
    const dispatched: { id: string }[] = await dataSource.query(
      `SELECT id FROM replication_tasks WHERE execution_id = $1 AND dispatched ORDER BY id`,
      [execution.id],
    );
    expect(dispatched).toHaveLength(1);
    const first = dispatched[0]!;
    expect(work.tasks).toContainEqual({ id: first.id, attempts: 0 });
    // Listed again on the next pass (a lost job is re-enqueued), still the only one dispatched.
    expect((await executions.pendingWork()).tasks).toContainEqual({ id: first.id, attempts: 0 });
    await executions.claimTask(first.id);
    await dataSource.query(
      `UPDATE replication_tasks SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`,
      [first.id],
    );
    expect((await executions.reapStale(60, 3)).tasks).toContainEqual({ id: first.id, attempts: 1 });
    // Freed: the next pass dispatches the oldest waiting task again (the reaped one).
    expect(await executions.dispatch(execution.id)).toEqual([{ id: first.id, attempts: 1 }]);
  });
});
