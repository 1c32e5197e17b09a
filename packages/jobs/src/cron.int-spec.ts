import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { connectRedis } from './connection.js';
import { JOBS, QUEUES, replicationScheduleId, REPLICATION_SCHEDULE_PREFIX } from './contract.js';
import { cronProblem } from './cron.js';
import { JobQueue } from './job-queue.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `berth-test-cron-${randomBytes(4).toString('hex')}`;

describe('cron patterns and replication schedulers against BullMQ', () => {
  const queue = JobQueue.open(QUEUES.replication, { redisUrl: REDIS_URL, prefix, role: 'worker' });
  afterAll(async () => {
    await queue.close();
    const redis = connectRedis(REDIS_URL, 'worker');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('schedules every pattern cronProblem accepts', async () => {
    const accepted = ['0 * * * *', '*/15 2-4 * * mon-fri', '5 4 * jan 0', '0 0 * * 7', '*/2 * * * * *'];
    for (const [index, pattern] of accepted.entries()) {
      expect(cronProblem(pattern)).toBeUndefined();
      const id = replicationScheduleId(String(index + 1));
      await queue.schedule(id, pattern, JOBS.replicationScheduled, { policyId: String(index + 1) });
      expect(await queue.scheduled(id)).toBe(pattern);
    }
  });

  it('lists the replication schedulers by prefix and removes them', async () => {
    const ids = await queue.schedulerIds(REPLICATION_SCHEDULE_PREFIX);
    expect(ids.sort()).toEqual(['1', '2', '3', '4', '5'].map(replicationScheduleId).sort());
    for (const id of ids) await queue.unschedule(id);
    expect(await queue.schedulerIds(REPLICATION_SCHEDULE_PREFIX)).toEqual([]);
  });
});
