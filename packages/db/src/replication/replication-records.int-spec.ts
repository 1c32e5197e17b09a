import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { ConflictError, NotFoundError } from '../access/errors.js';
import { openDatabase } from '../data-source.js';
import { CredentialCipher, CredentialDecryptError } from './credential-cipher.js';
import { RegistryInUseError, TypeormRegistryRecords } from './registry-records.js';
import { TypeormReplicationExecutionRecords } from './replication-execution-records.js';
import {
  TypeormReplicationPolicyRecords,
  type ReplicationPolicyFields,
} from './replication-policy-records.js';

const PASSWORD = 'remote-password-never-in-clear-4711';

describe('replication stores', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const cipher = new CredentialCipher(randomBytes(32));
  let registries: TypeormRegistryRecords;
  let policies: TypeormReplicationPolicyRecords;
  let executions: TypeormReplicationExecutionRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 5 });
    registries = new TypeormRegistryRecords(dataSource, cipher);
    policies = new TypeormReplicationPolicyRecords(dataSource);
    executions = new TypeormReplicationExecutionRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const policyFor = (registryId: string, name: string): ReplicationPolicyFields => ({
    name,
    mode: 'push',
    registryId,
    sourceNamespace: null,
    destinationNamespace: 'mirror',
    filters: { repository: 'src/**', tag: 'v*' },
    trigger: { type: 'manual', cron: null, replicateDeletion: false },
    override: false,
    enabled: true,
    bandwidthLimitKbps: null,
    concurrency: 4,
    retry: { attempts: 3, backoffSeconds: 1 },
  });

  it('stores the password encrypted (random IV per value) and decrypts it only on request', async () => {
    const a = await registries.create({
      name: 'a',
      type: 'oci',
      url: 'http://127.0.0.1:1',
      username: 'u',
      password: PASSWORD,
    });
    const b = await registries.create({
      name: 'b',
      type: 'oci',
      url: 'http://127.0.0.1:2',
      username: 'u',
      password: PASSWORD,
    });
    expect(a).toMatchObject({ name: 'a', username: 'u', hasPassword: true, insecure: false });
    expect(JSON.stringify(a)).not.toContain(PASSWORD);
    const rows: { password_encrypted: string }[] = await dataSource.query(
      `SELECT password_encrypted FROM registries WHERE id IN ($1, $2) ORDER BY id`,
      [a.id, b.id],
    );
    for (const row of rows) {
      expect(row.password_encrypted).toMatch(/^v1:/);
      expect(row.password_encrypted).not.toContain(PASSWORD);
      expect(row.password_encrypted).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    }
    expect(rows[0]!.password_encrypted).not.toBe(rows[1]!.password_encrypted);
    expect(await registries.credentials(a.id)).toEqual({ username: 'u', password: PASSWORD });
    const otherKey = new TypeormRegistryRecords(dataSource, new CredentialCipher(randomBytes(32)));
    await expect(otherKey.credentials(a.id)).rejects.toThrow(CredentialDecryptError);
  });

  it('updates, removes the password with null, and refuses duplicate names', async () => {
    const r = await registries.create({ name: 'c', type: 'docker-hub', url: 'https://registry-1.docker.io' });
    expect(r.hasPassword).toBe(false);
    expect(await registries.credentials(r.id)).toBeUndefined();
    await expect(registries.create({ name: 'c', type: 'oci', url: 'http://x' })).rejects.toThrow(
      ConflictError,
    );
    const changed = await registries.update(r.id, { username: 'v', password: 'p2', insecure: true });
    expect(changed).toMatchObject({ username: 'v', hasPassword: true, insecure: true });
    expect(await registries.credentials(r.id)).toEqual({ username: 'v', password: 'p2' });
    expect(await registries.update(r.id, { password: null })).toMatchObject({ hasPassword: false });
    expect(await registries.update('999999', { name: 'z' })).toBeUndefined();
    expect((await registries.list({ page: 1, pageSize: 100 })).total).toBeGreaterThanOrEqual(3);
  });

  it('keeps policies, refuses an unknown registry, and a registry in use cannot be deleted', async () => {
    const registry = await registries.create({ name: 'p', type: 'oci', url: 'http://127.0.0.1:3' });
    const policy = await policies.create(policyFor(registry.id, 'push-src'));
    expect(await policies.get(policy.id)).toMatchObject({
      mode: 'push',
      destinationNamespace: 'mirror',
      filters: { repository: 'src/**', tag: 'v*' },
      override: false,
      flattening: 1,
    });
    // Every flattening level survives a replace and a read, the levels as numbers.
    for (const flattening of ['none', 2, 'all', 1] as const) {
      await policies.replace(policy.id, { ...policyFor(registry.id, 'push-src'), flattening });
      expect((await policies.get(policy.id))!.flattening).toBe(flattening);
    }
    await expect(policies.create(policyFor('999999', 'x'))).rejects.toThrow(NotFoundError);
    await expect(policies.create(policyFor(registry.id, 'push-src'))).rejects.toThrow(ConflictError);
    await expect(registries.delete(registry.id)).rejects.toThrow(RegistryInUseError);
    const replaced = await policies.replace(policy.id, {
      ...policyFor(registry.id, 'renamed'),
      mode: 'pull',
    });
    expect(replaced).toMatchObject({ name: 'renamed', mode: 'pull' });
    expect(await policies.delete(policy.id)).toBe(true);
    expect(await registries.delete(registry.id)).toBe(true);
  });

  it('derives execution counts and status from its tasks', async () => {
    const registry = await registries.create({ name: 'e', type: 'oci', url: 'http://127.0.0.1:4' });
    const policy = await policies.create(policyFor(registry.id, 'exec'));
    const execution = await executions.create(policy.id, 'manual', 'admin');
    expect(execution).toMatchObject({ status: 'pending', total: 0 });
    expect(await executions.claim(execution.id)).toMatchObject({ status: 'running' });
    expect(await executions.claim(execution.id)).toBeUndefined();
    const task = (repo: string, tag: string) => ({
      sourceRepository: repo,
      sourceReference: tag,
      destinationRepository: repo.replace(/^src/, 'mirror'),
      destinationReference: tag,
    });
    const ids = await executions.resolve(execution.id, [task('src/a', 'v1'), task('src/b', 'v1')]);
    expect(ids).toHaveLength(2);
    // A resumed resolve adds nothing twice.
    expect(await executions.resolve(execution.id, [task('src/a', 'v1')])).toEqual(ids);
    expect(await executions.get(execution.id)).toMatchObject({ total: 2, inProgress: 2, status: 'running' });
    await dataSource.query(`UPDATE replication_tasks SET status = 'succeeded' WHERE id = $1`, [ids[0]]);
    expect(await executions.finishIfDone(execution.id)).toBe('running');
    await dataSource.query(`UPDATE replication_tasks SET status = 'failed' WHERE id = $1`, [ids[1]]);
    expect(await executions.finishIfDone(execution.id)).toBe('failed');
    expect(await executions.get(execution.id)).toMatchObject({
      total: 2,
      succeeded: 1,
      failed: 1,
      inProgress: 0,
    });
    const tasks = await executions.tasks(execution.id, { page: 1, pageSize: 10 });
    expect(tasks.items.map((t) => t.destinationRepository)).toEqual(['mirror/a', 'mirror/b']);
    expect((await executions.list({ page: 1, pageSize: 10, policyId: policy.id })).total).toBe(1);
  });

  it('stops a pending execution at once and ends a resolved one without tasks', async () => {
    const registry = await registries.create({ name: 's', type: 'oci', url: 'http://127.0.0.1:5' });
    const policy = await policies.create(policyFor(registry.id, 'stop'));
    const pending = await executions.create(policy.id, 'manual', null);
    expect(await executions.requestStop(pending.id)).toMatchObject({
      accepted: true,
      execution: { status: 'stopped' },
    });
    expect(await executions.requestStop(pending.id)).toMatchObject({ accepted: false });
    const empty = await executions.create(policy.id, 'manual', null);
    await executions.claim(empty.id);
    await executions.resolve(empty.id, []);
    expect(await executions.finishIfDone(empty.id)).toBe('succeeded');
    const failing = await executions.create(policy.id, 'manual', null);
    await executions.claim(failing.id);
    expect(await executions.fail(failing.id, '401 UNAUTHORIZED')).toBe(true);
    expect(await executions.get(failing.id)).toMatchObject({ status: 'failed', error: '401 UNAUTHORIZED' });
  });

  it('claims, heartbeats, reaps and finishes tasks; a stopped execution claims none', async () => {
    const registry = await registries.create({ name: 't', type: 'oci', url: 'http://127.0.0.1:6' });
    const policy = await policies.create(policyFor(registry.id, 'tasks'));
    const execution = await executions.create(policy.id, 'manual', null);
    expect(await executions.pendingWork()).toMatchObject({ executions: [{ id: execution.id, attempts: 0 }] });
    await executions.claim(execution.id);
    const task = (tag: string) => ({
      sourceRepository: 'src/a',
      sourceReference: tag,
      destinationRepository: 'mirror/a',
      destinationReference: tag,
    });
    const [first, second, third] = await executions.resolve(execution.id, [
      task('v1'),
      task('v2'),
      task('v3'),
    ]);
    expect((await executions.pendingWork()).tasks.map((t) => t.id)).toEqual([first, second, third]);
    expect(await executions.claimTask(first!)).toMatchObject({ status: 'running', attempts: 1 });
    expect(await executions.claimTask(first!)).toBeUndefined();
    expect(await executions.heartbeatTask(first!)).toBe(true);
    // A dead worker: the heartbeat goes stale, the task is pending again, then claimed again.
    await dataSource.query(
      `UPDATE replication_tasks SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`,
      [first],
    );
    expect((await executions.reapStale(60, 3)).tasks).toEqual([{ id: first, attempts: 1 }]);
    // The reaped task gave its slot back: it waits for a new one.
    expect(await executions.claimTask(first!)).toBeUndefined();
    expect(await executions.dispatch(execution.id)).toEqual([{ id: first, attempts: 1 }]);
    expect(await executions.claimTask(first!)).toMatchObject({ attempts: 2 });
    expect(
      await executions.finishTask(first!, { status: 'succeeded', digest: 'sha256:x', log: 'ok\n' }),
    ).toBe(true);
    expect(await executions.finishTask(first!, { status: 'failed', log: '' })).toBe(false);
    // Claimed too often: the reaper fails it.
    await executions.claimTask(second!);
    await dataSource.query(
      `UPDATE replication_tasks SET attempts = 3, heartbeat_at = now() - interval '1 hour' WHERE id = $1`,
      [second],
    );
    expect((await executions.reapStale(60, 3)).tasks).toEqual([]);
    expect(await executions.finishIfDone(execution.id)).toBe('running');
    await executions.requestStop(execution.id);
    expect(await executions.claimTask(third!)).toBeUndefined();
    const tasks = (await executions.tasks(execution.id, { page: 1, pageSize: 10 })).items;
    expect(tasks.map((t) => t.status)).toEqual(['succeeded', 'failed', 'stopped']);
    expect(tasks[0]).toMatchObject({ digest: 'sha256:x', log: expect.stringContaining('ok') });
    expect(tasks[1]!.error).toMatch(/stopped responding/);
    expect(await executions.get(execution.id)).toMatchObject({ status: 'failed', inProgress: 0 });
  });
});
