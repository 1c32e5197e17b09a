// The GC admin endpoints without a worker: who may call them, what they accept, the one-run-at-
// a-time rule, stopping a pending run, history paging, the schedule, and the audit trail.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectRedis } from '@berth/jobs';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { AdminClient, createUser, isProblem } from '../admin/admin-client.js';

const TIMEOUT = 60_000;
const QUEUE_PREFIX = `berth-e2e-gc-api-${randomBytes(4).toString('hex')}`;
let registry: RegistryUnderTest;
let admin: AdminClient;

beforeAll(async () => {
  registry = await startRegistryUnderTest({
    env: { BERTH_GC_GRACE_SECONDS: '7200', BERTH_QUEUE_PREFIX: QUEUE_PREFIX },
  });
  admin = new AdminClient(registry.url, registry.credentials);
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
  // The runs queued here had no worker: drop their jobs.
  const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
  const keys = await redis.keys(`${QUEUE_PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, TIMEOUT);

describe('access', () => {
  it('needs a system administrator', async () => {
    const user = await createUser(admin, 'gc-guest');
    for (const [method, path] of [
      ['POST', '/api/v1/system/gc'],
      ['GET', '/api/v1/system/gc'],
      ['GET', '/api/v1/system/gc/1'],
      ['POST', '/api/v1/system/gc/1/stop'],
      ['GET', '/api/v1/system/gc/schedule'],
      ['PUT', '/api/v1/system/gc/schedule'],
    ] as const) {
      const body = method === 'GET' ? undefined : { cron: null };
      expect((await admin.as(undefined).request(method, path, body)).status).toBe(401);
      const denied = await admin.as(user.credentials).request(method, path, body);
      expect(isProblem(denied, 403)).toBe(true);
    }
  });
});

describe('runs', () => {
  let first: string;

  it('starts a pending run with the documented defaults', async () => {
    const created = await admin.post('/api/v1/system/gc');
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^\d+$/) });
    first = created.body.id;
    const run = await admin.get(`/api/v1/system/gc/${first}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      id: first,
      status: 'pending',
      trigger: 'manual',
      requestedBy: 'admin',
      dryRun: false,
      deleteUntagged: false,
      graceSeconds: 7200,
      manifestsDeleted: 0,
      blobsDeleted: 0,
      bytesFreed: 0,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      log: [],
      report: null,
    });
  });

  it('refuses a second run while one is pending, naming it', async () => {
    const second = await admin.post('/api/v1/system/gc', { dryRun: true });
    expect(isProblem(second, 409)).toBe(true);
    expect(second.body.runId).toBe(first);
    expect(second.body.title).toContain(first);
  });

  it('stops a pending run at once, and says when there is nothing to stop', async () => {
    const stopped = await admin.post(`/api/v1/system/gc/${first}/stop`);
    expect(stopped.status).toBe(202);
    expect(stopped.body).toMatchObject({ id: first, status: 'stopped', stopRequested: true });
    expect(stopped.body.finishedAt).toEqual(expect.any(String));
    expect(isProblem(await admin.post(`/api/v1/system/gc/${first}/stop`), 409)).toBe(true);
    expect(isProblem(await admin.post('/api/v1/system/gc/99999/stop'), 404)).toBe(true);
  });

  it('takes its options, 0 s of grace included', async () => {
    const created = await admin.post('/api/v1/system/gc', {
      dryRun: true,
      deleteUntagged: true,
      graceSeconds: 0,
    });
    expect(created.status).toBe(201);
    const run = await admin.get(`/api/v1/system/gc/${created.body.id}`);
    expect(run.body).toMatchObject({ dryRun: true, deleteUntagged: true, graceSeconds: 0 });
    await admin.post(`/api/v1/system/gc/${created.body.id}/stop`);
  });

  it.each([
    [{ dryRun: 'yes' }, 'dryRun'],
    [{ deleteUntagged: 1 }, 'deleteUntagged'],
    [{ graceSeconds: -1 }, 'graceSeconds'],
    [{ graceSeconds: 1.5 }, 'graceSeconds'],
    [{ graceSeconds: '60' }, 'graceSeconds'],
    [[], 'body'],
  ])('answers 400 for %j', async (body, field) => {
    const response = await admin.post('/api/v1/system/gc', body);
    expect(isProblem(response, 400)).toBe(true);
    expect(response.body.title).toContain(field);
  });

  it('answers 404 for a run that does not exist', async () => {
    for (const id of ['99999', 'abc', '0', '99999999999999999999']) {
      expect(isProblem(await admin.get(`/api/v1/system/gc/${id}`), 404)).toBe(true);
    }
  });

  it('lists the history newest first, with paging headers', async () => {
    const all = await admin.get('/api/v1/system/gc');
    expect(all.status).toBe(200);
    expect(all.headers.get('x-total-count')).toBe('2');
    const ids = (all.body as { id: string }[]).map((run) => run.id);
    expect(ids).toEqual([...ids].sort((a, b) => Number(b) - Number(a)));
    expect(all.body[0].log).toBeUndefined();
    const page = await admin.get('/api/v1/system/gc?pageSize=1');
    expect(page.body).toHaveLength(1);
    expect(page.headers.get('link')).toContain('rel="next"');
  });
});

describe('schedule', () => {
  it('has none until one is set', async () => {
    const response = await admin.get('/api/v1/system/gc/schedule');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ cron: null, dryRun: false, deleteUntagged: false, graceSeconds: 7200 });
  });

  it('stores a 5-field cron schedule, and turns it off with null', async () => {
    const put = await admin.put('/api/v1/system/gc/schedule', { cron: '0  3 * * sun', deleteUntagged: true });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      cron: '0 3 * * sun',
      dryRun: false,
      deleteUntagged: true,
      graceSeconds: 7200,
    });
    expect((await admin.get('/api/v1/system/gc/schedule')).body).toEqual(put.body);
    const off = await admin.put('/api/v1/system/gc/schedule', { cron: null });
    expect(off.body.cron).toBeNull();
  });

  it.each([
    [{}, 'cron'],
    [{ cron: 'every night' }, 'cron'],
    [{ cron: '0 3 * * * *' }, 'cron'],
    [{ cron: 5 }, 'cron'],
    [{ cron: '0 3 * * *', graceSeconds: -5 }, 'graceSeconds'],
    [{ cron: '0 3 * * *', dryRun: 'no' }, 'dryRun'],
  ])('answers 400 for %j', async (body, field) => {
    const response = await admin.put('/api/v1/system/gc/schedule', body);
    expect(isProblem(response, 400)).toBe(true);
    expect(response.body.title).toContain(field);
  });
});

describe('audit', () => {
  it('records starts, stops and schedule changes', async () => {
    const events = await admin.get('/api/v1/audit-logs?q=gc.&pageSize=100');
    const actions = (events.body as { action: string; actor: string }[]).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['gc.start', 'gc.stop', 'gc.schedule']));
    expect((events.body as { actor: string }[]).every((event) => event.actor === 'admin')).toBe(true);
  });
});
