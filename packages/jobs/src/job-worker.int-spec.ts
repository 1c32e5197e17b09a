import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { connectRedis } from './connection.js';
import { JOBS, QUEUES } from './contract.js';
import { defineHandlers, handler, type HandlerTable } from './handlers.js';
import { JobQueue } from './job-queue.js';
import { JobWorker } from './job-worker.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `berth-test-${randomBytes(4).toString('hex')}`;

/** Replication handlers where `execute` is `onExecute` (the other jobs do nothing). */
function handlers(onExecute: (executionId: string) => Promise<void>): HandlerTable {
  return defineHandlers(QUEUES.replication, [
    handler(JOBS.replicationExecute, ({ executionId }) => onExecute(executionId)),
    handler(JOBS.replicationTask, () => Promise.resolve()),
    handler(JOBS.replicationScheduled, () => Promise.resolve()),
  ]);
}

describe('JobWorker lockMs against Redis', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    const redis = connectRedis(REDIS_URL, 'worker');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('runs a job again soon after the worker that took it died with it', async () => {
    const queue = JobQueue.open(QUEUES.replication, { redisUrl: REDIS_URL, prefix, role: 'producer' });
    closers.push(() => queue.close());
    let taken: () => void = () => undefined;
    const takenByFirst = new Promise<void>((resolve) => (taken = resolve));
    // The first worker takes the job and never finishes it: its handler hangs, as in a process
    // killed before the handler recorded anything.
    const first = new JobWorker({
      redisUrl: REDIS_URL,
      prefix,
      lockMs: 1000,
      handlers: handlers(() => {
        taken();
        return new Promise<void>(() => undefined);
      }),
    });
    await first.ready();
    await queue.enqueue(JOBS.replicationExecute, { executionId: '7' });
    await takenByFirst;
    // "Kill" it: close its connections without waiting for (or releasing) the running job.
    await (first as unknown as { worker: { close(force: boolean): Promise<void> } }).worker.close(true);
    // Enqueuing the same job again is a no-op while the dead worker's lock holds it.
    expect(await queue.enqueue(JOBS.replicationExecute, { executionId: '7' })).toBe('replication-execute-7');

    const startedAt = Date.now();
    let ran: (after: number) => void = () => undefined;
    const ranBySecond = new Promise<number>((resolve) => (ran = resolve));
    const second = new JobWorker({
      redisUrl: REDIS_URL,
      prefix,
      lockMs: 1000,
      handlers: handlers(() => {
        ran(Date.now() - startedAt);
        return Promise.resolve();
      }),
    });
    closers.push(() => second.close());
    await second.ready();
    // Without lockMs, BullMQ's defaults (30 s lock, stalled check every 30 s) hold it far longer.
    expect(await ranBySecond).toBeLessThan(10_000);
  }, 30_000);
});
