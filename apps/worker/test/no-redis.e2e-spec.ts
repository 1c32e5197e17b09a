// Without Redis, the registry keeps serving: the api answers (a GC request is accepted and stays
// pending), and the worker says that background jobs wait for Redis and keeps retrying. When
// Redis comes, the worker takes the pending run.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { adminJson, follow, getGc } from './gc-client.js';

const TIMEOUT = 120_000;
let registry: RegistryUnderTest;
let redisPort: number;
let redis: ChildProcess | undefined;

beforeAll(async () => {
  redisPort = await freePort();
  registry = await startRegistryUnderTest({
    worker: true,
    env: { REDIS_URL: `redis://berth:not-this-password@127.0.0.1:${redisPort}`, BERTH_LOG_LEVEL: 'info' },
  });
}, TIMEOUT);

afterAll(async () => {
  await registry?.close();
  redis?.kill('SIGKILL');
}, TIMEOUT);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('without Redis', () => {
  let runId: string;

  it(
    'the worker says that background jobs wait for redis, without the password, and keeps running',
    async () => {
      const worker = registry.api!.worker!;
      const deadline = Date.now() + 10_000;
      while (!worker.output().includes('background jobs wait for redis') && Date.now() < deadline)
        await sleep(100);
      expect(worker.output()).toContain('background jobs wait for redis');
      expect(worker.output()).toContain(`127.0.0.1:${redisPort}`);
      expect(worker.output()).not.toContain('not-this-password');
      await sleep(3000);
      expect(worker.exited()).toBe(false);
      // Said once, not on every retry.
      expect(worker.output().match(/background jobs wait for redis/g)).toHaveLength(1);
    },
    TIMEOUT,
  );

  it(
    'the api still serves, and accepts a GC that waits as pending',
    async () => {
      const v2 = await fetch(`${registry.url}/v2/`);
      expect(v2.status).toBe(401);
      await registry.createProject('still-serving');
      const started = Date.now();
      const response = await adminJson(registry, 'POST', '/api/v1/system/gc', {
        dryRun: true,
        graceSeconds: 0,
      });
      expect(response.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(3000);
      runId = response.body.id as string;
      await sleep(1000);
      expect((await getGc(registry, runId)).status).toBe('pending');
      expect(registry.api!.output()).not.toContain('not-this-password');
    },
    TIMEOUT,
  );

  it(
    'when Redis comes, the worker takes the pending run',
    async () => {
      redis = spawn(
        'redis-server',
        [
          '--port',
          String(redisPort),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--requirepass',
          'not-this-password',
          '--user',
          'berth',
          'on',
          '>not-this-password',
          '~*',
          '&*',
          '+@all',
        ],
        { stdio: 'ignore' },
      );
      const { run } = await follow(registry, runId, undefined, 60_000);
      expect(run).toMatchObject({ status: 'succeeded', dryRun: true });
      expect(registry.api!.worker!.output()).toContain('redis reachable; background jobs resume');
    },
    TIMEOUT,
  );
});
