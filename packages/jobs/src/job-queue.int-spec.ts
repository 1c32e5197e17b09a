import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { connectRedis, probeRedis } from './connection.js';
import { JOBS, QUEUES, SCHEDULES } from './contract.js';
import { defineHandlers, handler } from './handlers.js';
import { JobQueue, RedisUnavailableError } from './job-queue.js';
import { JobWorker } from './job-worker.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A port nothing listens on (bound, read, released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

const prefix = `berth-test-${randomBytes(4).toString('hex')}`;

describe('JobQueue and JobWorker against Redis', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    const redis = connectRedis(REDIS_URL, 'worker');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('runs a job enqueued twice once, with its typed payload', async () => {
    const queue = JobQueue.open(QUEUES.maintenance, { redisUrl: REDIS_URL, prefix, role: 'producer' });
    closers.push(() => queue.close());
    expect(await queue.enqueue(JOBS.gcRun, { runId: '5' })).toBe('gc-run-5');
    expect(await queue.enqueue(JOBS.gcRun, { runId: '5' })).toBe('gc-run-5');
    const seen: string[] = [];
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const worker = new JobWorker({
      redisUrl: REDIS_URL,
      prefix,
      handlers: defineHandlers(QUEUES.maintenance, [
        handler(JOBS.gcRun, (payload, context) => {
          seen.push(`${payload.runId}@${context.jobId}`);
          if (seen.length === 2) resolveDone();
          return Promise.resolve();
        }),
        handler(JOBS.gcScheduled, () => Promise.resolve()),
        handler(JOBS.uploadsPurge, () => Promise.resolve()),
        handler(JOBS.auditPurge, () => Promise.resolve()),
      ]),
    });
    closers.push(() => worker.close());
    await worker.ready();
    await queue.enqueue(JOBS.gcRun, { runId: '6' });
    await done;
    expect(seen).toEqual(['5@gc-run-5', '6@gc-run-6']);
    // Done jobs are removed, so the same id can be enqueued again later (a resumed run).
    expect(await queue.enqueue(JOBS.gcRun, { runId: '5' })).toBe('gc-run-5');
  }, 20_000);

  it('creates, updates and removes job schedulers', async () => {
    const queue = JobQueue.open(QUEUES.maintenance, { redisUrl: REDIS_URL, prefix, role: 'worker' });
    closers.push(() => queue.close());
    await queue.schedule(SCHEDULES.gc, '0 3 * * *', JOBS.gcScheduled, {});
    expect(await queue.scheduled(SCHEDULES.gc)).toBe('0 3 * * *');
    await queue.schedule(SCHEDULES.gc, '30 2 * * 0', JOBS.gcScheduled, {});
    expect(await queue.scheduled(SCHEDULES.gc)).toBe('30 2 * * 0');
    await queue.unschedule(SCHEDULES.gc);
    expect(await queue.scheduled(SCHEDULES.gc)).toBeUndefined();
  });

  it('fails fast when Redis is not there', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    expect(await probeRedis(url, 500)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    const errors: Error[] = [];
    const queue = JobQueue.open(QUEUES.maintenance, {
      redisUrl: url,
      prefix,
      role: 'producer',
      onError: (error) => errors.push(error),
    });
    closers.push(() => queue.close());
    const started = Date.now();
    await expect(queue.enqueue(JOBS.gcRun, { runId: '1' })).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(queue.connected).toBe(false);
  });
});
