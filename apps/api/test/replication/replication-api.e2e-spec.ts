// The replication admin endpoints without a worker, against a real CNCF Distribution with
// htpasswd auth: registries (ping with right and wrong credentials, the password never in an
// answer nor in the audit log), policies, and executions (created pending, stopped).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectRedis } from '@berth/jobs';
import {
  startDistribution,
  startRegistryUnderTest,
  type DistributionRegistry,
  type RegistryUnderTest,
} from '@berth/testing';
import { AdminClient, createUser, isProblem } from '../admin/admin-client.js';

const TIMEOUT = 60_000;
const QUEUE_PREFIX = `berth-e2e-repl-api-${randomBytes(4).toString('hex')}`;
let registry: RegistryUnderTest;
let distribution: DistributionRegistry;
let admin: AdminClient;

beforeAll(async () => {
  distribution = await startDistribution();
  registry = await startRegistryUnderTest({ env: { BERTH_QUEUE_PREFIX: QUEUE_PREFIX } });
  admin = new AdminClient(registry.url, registry.credentials);
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
  await distribution?.stop();
  const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
  const keys = await redis.keys(`${QUEUE_PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, TIMEOUT);

describe('replication admin API', () => {
  it('needs a system administrator', async () => {
    const user = await createUser(admin, 'repl-guest');
    for (const path of [
      '/api/v1/registries',
      '/api/v1/replication/policies',
      '/api/v1/replication/executions',
    ]) {
      expect((await admin.as(undefined).request('GET', path)).status).toBe(401);
      expect(isProblem(await admin.as(user.credentials).request('GET', path), 403)).toBe(true);
    }
  });

  it('stores a registry without ever answering its password, and pings it', async () => {
    const { username, password } = distribution.credentials;
    const created = await admin.post('/api/v1/registries', {
      name: 'dist',
      type: 'oci',
      url: distribution.url,
      username,
      password,
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['id']);
    const shown = await admin.get(`/api/v1/registries/${created.body.id}`);
    expect(shown.body).toMatchObject({ name: 'dist', username, hasPassword: true });
    expect(JSON.stringify(shown.body)).not.toContain(password);
    expect(JSON.stringify((await admin.get('/api/v1/registries')).body)).not.toContain(password);
    expect(JSON.stringify((await admin.get('/api/v1/audit-logs?pageSize=100')).body)).not.toContain(password);
    const ping = await admin.post(`/api/v1/registries/${created.body.id}/ping`);
    expect(ping.status).toBe(200);
    expect(ping.body).toEqual({ reachable: true, authenticated: true });

    const wrong = await admin.post('/api/v1/registries', {
      name: 'dist-wrong',
      type: 'oci',
      url: distribution.url,
      username,
      password: 'not-the-password',
    });
    const refused = await admin.post(`/api/v1/registries/${wrong.body.id}/ping`);
    expect(refused.body).toMatchObject({ reachable: true, authenticated: false, status: 401 });
    expect(
      isProblem(await admin.post('/api/v1/registries', { name: 'x', type: 'gcr', url: 'http://a' }), 400),
    ).toBe(true);
    expect(
      isProblem(
        await admin.post('/api/v1/registries', { name: 'dist', type: 'oci', url: distribution.url }),
        409,
      ),
    ).toBe(true);
  });

  it('creates policies and executions, and stops a pending execution', async () => {
    const registryId = (await admin.get('/api/v1/registries')).body[0].id;
    const policy = await admin.post('/api/v1/replication/policies', {
      name: 'push-src',
      mode: 'push',
      registryId,
      destinationNamespace: 'mirror',
      filters: { repository: 'src/**', tag: 'v{1,2}*' },
      trigger: { type: 'manual' },
      override: false,
    });
    expect(policy.status).toBe(201);
    // POST answers `{id}`; the policy read back has the default flattening.
    expect((await admin.get(`/api/v1/replication/policies/${policy.body.id}`)).body.flattening).toBe(1);
    const flat = await admin.post('/api/v1/replication/policies', {
      name: 'push-flat',
      mode: 'push',
      registryId,
      destinationNamespace: 'mirror',
      flattening: 'all',
    });
    expect(flat.status).toBe(201);
    expect((await admin.get(`/api/v1/replication/policies/${flat.body.id}`)).body.flattening).toBe('all');
    expect(
      isProblem(
        await admin.post('/api/v1/replication/policies', {
          name: 'flat3',
          mode: 'push',
          registryId,
          flattening: 3,
        }),
        400,
      ),
    ).toBe(true);
    expect(
      isProblem(
        await admin.post('/api/v1/replication/policies', { name: 'bad', mode: 'sideways', registryId }),
        400,
      ),
    ).toBe(true);
    expect(
      isProblem(
        await admin.post('/api/v1/replication/policies', {
          name: 'nope',
          mode: 'pull',
          registryId: '999999',
        }),
        404,
      ),
    ).toBe(true);
    const execution = await admin.post('/api/v1/replication/executions', { policyId: policy.body.id });
    expect(execution.status).toBe(201);
    const shown = await admin.get(`/api/v1/replication/executions/${execution.body.id}`);
    expect(shown.body).toMatchObject({
      id: execution.body.id,
      status: 'pending',
      total: 0,
      succeeded: 0,
      failed: 0,
    });
    const listed = await admin.get(`/api/v1/replication/executions?policyId=${policy.body.id}`);
    expect((listed.body as { id: string }[]).map((e) => e.id)).toEqual([execution.body.id]);
    const stopped = await admin.post(`/api/v1/replication/executions/${execution.body.id}/stop`);
    expect(stopped.status).toBe(202);
    expect(stopped.body.status).toBe('stopped');
    expect(isProblem(await admin.post(`/api/v1/replication/executions/${execution.body.id}/stop`), 409)).toBe(
      true,
    );
    expect((await admin.get(`/api/v1/replication/executions/${execution.body.id}/tasks`)).body).toEqual([]);
    expect(isProblem(await admin.get('/api/v1/replication/executions/424242'), 404)).toBe(true);
    expect(isProblem(await admin.delete(`/api/v1/registries/${registryId}`), 409)).toBe(true);
  });
});
