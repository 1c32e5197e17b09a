import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { TypeormSystemSettings } from '../stores/system-settings.js';
import { GC_LOG_LINES, GcRunActiveError, TypeormGcRunRecords, type NewGcRun } from './gc-run-records.js';

const MANUAL: NewGcRun = {
  trigger: 'manual',
  requestedBy: 'admin',
  dryRun: false,
  deleteUntagged: true,
  graceSeconds: 0,
};
const NONE = { manifestsDeleted: 0, blobsDeleted: 0, bytesFreed: 0 };

describe('TypeormGcRunRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let runs: TypeormGcRunRecords;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    runs = new TypeormGcRunRecords(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query(`DELETE FROM gc_runs`);
  });

  /** Makes the run's heartbeat look `seconds` old. */
  const age = (id: string, seconds: number) =>
    dataSource.query(`UPDATE gc_runs SET heartbeat_at = now() - make_interval(secs => $2) WHERE id = $1`, [
      id,
      seconds,
    ]);

  it('creates a pending run, and refuses a second one while it is pending or running', async () => {
    const run = await runs.create(MANUAL);
    expect(run).toMatchObject({ status: 'pending', attempts: 0, dryRun: false, graceSeconds: 0 });
    const second = runs.create({ ...MANUAL, dryRun: true });
    await expect(second).rejects.toBeInstanceOf(GcRunActiveError);
    await expect(second).rejects.toMatchObject({ activeId: run.id, code: 'CONFLICT' });
    await runs.claim(run.id);
    await expect(runs.create(MANUAL)).rejects.toMatchObject({ activeId: run.id });
    await runs.finish(run.id, { status: 'succeeded', ...NONE, report: null });
    await expect(runs.create(MANUAL)).resolves.toMatchObject({ status: 'pending' });
  });

  it('lets only one of many concurrent requests create a run', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => runs.create(MANUAL)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(GcRunActiveError);
  });

  it('claims a pending run once', async () => {
    const run = await runs.create(MANUAL);
    const claims = await Promise.all([runs.claim(run.id), runs.claim(run.id), runs.claim(run.id)]);
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ status: 'running', attempts: 1, startedAt: expect.any(Date) });
    expect(await runs.claim('999999')).toBeUndefined();
    expect(await runs.claim('not-an-id')).toBeUndefined();
  });

  it('finishes a running run once; a real run adds up the attempts, a dry run does not', async () => {
    const run = await runs.create(MANUAL);
    await runs.claim(run.id);
    await runs.heartbeat(run.id, { phase: 'sweep', blobsDeleted: 2, bytesFreed: 20, manifestsDeleted: 1 });
    await age(run.id, 120);
    await runs.reapStale(60);
    await runs.claim(run.id);
    const report = { manifests: [], blobs: [{ digest: 'sha256:aa', size: 5 }], truncated: false };
    const outcome = {
      status: 'succeeded',
      manifestsDeleted: 0,
      blobsDeleted: 1,
      bytesFreed: 5,
      report,
    } as const;
    expect(await runs.finish(run.id, outcome)).toBe(true);
    expect(await runs.finish(run.id, outcome)).toBe(false);
    expect(await runs.get(run.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      manifestsDeleted: 1,
      blobsDeleted: 3,
      bytesFreed: 25,
      report,
      finishedAt: expect.any(Date),
    });

    const dry = await runs.create({ ...MANUAL, dryRun: true });
    await runs.claim(dry.id);
    await runs.heartbeat(dry.id, { blobsDeleted: 7 });
    await age(dry.id, 120);
    await runs.reapStale(60);
    await runs.claim(dry.id);
    await runs.finish(dry.id, { ...outcome, blobsDeleted: 4, bytesFreed: 40 });
    expect(await runs.get(dry.id)).toMatchObject({ blobsDeleted: 4, bytesFreed: 40, manifestsDeleted: 0 });
  });

  it('reaps a stale run back to pending once, then as failed; never leaves it running', async () => {
    const run = await runs.create(MANUAL);
    await runs.claim(run.id);
    expect(await runs.reapStale(60)).toEqual([]);
    await age(run.id, 120);
    expect(await runs.reapStale(60)).toEqual([{ id: run.id, status: 'pending' }]);
    expect(await runs.pending()).toEqual([{ id: run.id, attempts: 1 }]);
    await runs.claim(run.id);
    await age(run.id, 120);
    expect(await runs.reapStale(60)).toEqual([{ id: run.id, status: 'failed' }]);
    expect(await runs.get(run.id)).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: expect.stringContaining('stopped responding'),
      finishedAt: expect.any(Date),
    });
    expect(await runs.heartbeat(run.id)).toEqual({ running: false, stopRequested: false });
  });

  it('releases a running run to pending without spending an attempt', async () => {
    const run = await runs.create(MANUAL);
    await runs.claim(run.id);
    expect(await runs.release(run.id, { manifestsDeleted: 1, blobsDeleted: 2, bytesFreed: 3 })).toBe(true);
    expect(await runs.get(run.id)).toMatchObject({ status: 'pending', attempts: 0, blobsDeleted: 2 });
    expect(await runs.release(run.id, NONE)).toBe(false);
  });

  it('stops a pending run at once and asks a running one', async () => {
    const pending = await runs.create(MANUAL);
    expect(await runs.requestStop(pending.id)).toMatchObject({
      accepted: true,
      run: { status: 'stopped', finishedAt: expect.any(Date) },
    });
    expect(await runs.claim(pending.id)).toBeUndefined();

    const running = await runs.create(MANUAL);
    await runs.claim(running.id);
    expect(await runs.heartbeat(running.id)).toEqual({ running: true, stopRequested: false });
    expect(await runs.requestStop(running.id)).toMatchObject({
      accepted: true,
      run: { status: 'running', stopRequested: true },
    });
    expect(await runs.heartbeat(running.id, { phase: 'mark' })).toEqual({
      running: true,
      stopRequested: true,
    });
    await runs.finish(running.id, { status: 'stopped', ...NONE, report: null });
    expect(await runs.requestStop(running.id)).toMatchObject({ accepted: false, run: { status: 'stopped' } });
    expect(await runs.requestStop(pending.id)).toMatchObject({ accepted: false });
    expect(await runs.requestStop('424242')).toBeUndefined();
  });

  it('keeps the last log lines, one per line', async () => {
    const run = await runs.create(MANUAL);
    await runs.appendLog(run.id, ['first', 'two\nlines']);
    expect((await runs.get(run.id))?.log).toBe('first\ntwo lines');
    for (let i = 0; i < 5; i++) {
      await runs.appendLog(
        run.id,
        Array.from({ length: 50 }, (_, j) => `line ${i * 50 + j}`),
      );
    }
    const log = (await runs.get(run.id))!.log.split('\n');
    expect(log).toHaveLength(GC_LOG_LINES);
    expect(log.at(-1)).toBe('line 249');
    expect(log[0]).toBe(`line ${250 - GC_LOG_LINES}`);
  });

  it('lists runs newest first, without logs and reports', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await runs.create(MANUAL);
      await runs.appendLog(run.id, ['x']);
      await runs.requestStop(run.id);
      ids.push(run.id);
    }
    const page = await runs.list({ page: 1, pageSize: 2 });
    expect(page.total).toBe(3);
    expect(page.items.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(page.items[0]).toMatchObject({ status: 'stopped', log: '', report: null });
  });
});

describe('TypeormSystemSettings', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 2 });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('stores JSON values under keys, replacing them', async () => {
    const settings = new TypeormSystemSettings(dataSource);
    expect(await settings.get('gc.schedule')).toBeUndefined();
    await settings.put('gc.schedule', { cron: '0 3 * * *', dryRun: false });
    await settings.put('gc.schedule', { cron: null, dryRun: true });
    expect(await settings.get('gc.schedule')).toEqual({ cron: null, dryRun: true });
  });
});
