import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, type RedisRole } from './connection.js';
import { bullmq } from './lazy-modules.js';
import { JOB_QUEUES, jobIdFor, type JobName, type JobPayloads, type QueueName } from './contract.js';

/** Redis is not reachable now; the work is not lost when its truth is in PostgreSQL. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

export interface JobQueueOptions {
  redisUrl: string;
  /** BullMQ key prefix: separates installations (and test runs) sharing one Redis. */
  prefix: string;
  role: RedisRole;
  /** How long `enqueue` waits for a connection in progress before giving up (default 1 s). */
  readyTimeoutMs?: number;
  /** Connection errors (Redis away); each reconnect attempt reports one. */
  onError?: (error: Error) => void;
  /** The connection is (again) up. */
  onReady?: () => void;
}

/**
 * Every job is removed from Redis once done, whatever the outcome: history lives in PostgreSQL,
 * and a kept job would make its id (the de-duplication key) refuse the next enqueue.
 */
const JOB_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: true } as const;

/** The producer side of one queue: typed enqueue, and the job schedulers. */
export class JobQueue {
  private constructor(
    readonly name: QueueName,
    private readonly queue: Queue,
    private readonly client: Redis,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Opens the queue; it connects in the background (an absent Redis is not an error here). */
  static open(name: QueueName, options: JobQueueOptions): JobQueue {
    const client = connectRedis(options.redisUrl, options.role);
    const report = (error: Error) => options.onError?.(error);
    client.on('error', report);
    client.on('ready', () => options.onReady?.());
    // BullMQ's set-up waits for the first connection, however late it comes.
    const queue: Queue = new (bullmq().Queue)(name, { connection: client, prefix: options.prefix });
    queue.on('error', report);
    return new JobQueue(name, queue, client, options.readyTimeoutMs ?? 1_000);
  }

  /** Whether the connection to Redis is up right now. */
  get connected(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Adds a job under its contract id (`jobIdFor`): adding the same work twice is one job.
   * `attempts` is the run's claim count, for `gc.run`. Throws `RedisUnavailableError` fast when
   * Redis is away. Returns the job id.
   */
  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    attempts = 0,
  ): Promise<string | undefined> {
    if (JOB_QUEUES[name] !== this.name) throw new Error(`${name} does not travel on ${this.name}`);
    await this.ready();
    const jobId = jobIdFor(name, payload, attempts);
    const job = await this.queue.add(name, payload, {
      ...JOB_OPTIONS,
      ...(jobId !== undefined && { jobId }),
    });
    return job.id;
  }

  /**
   * Creates or updates the job scheduler `id`: job `name` on the `cron` pattern (5 fields, or 6
   * with seconds first; see `cronProblem`). Nothing changes when it is there already.
   */
  async schedule<N extends JobName>(
    id: string,
    cron: string,
    name: N,
    payload: JobPayloads[N],
  ): Promise<void> {
    if (JOB_QUEUES[name] !== this.name) throw new Error(`${name} does not travel on ${this.name}`);
    await this.ready();
    const current = await this.queue.getJobScheduler(id);
    if (current?.pattern === cron && current.name === name) return;
    await this.queue.upsertJobScheduler(id, { pattern: cron }, { name, data: payload, opts: JOB_OPTIONS });
  }

  /** Removes the job scheduler `id`, if there is one. */
  async unschedule(id: string): Promise<void> {
    await this.ready();
    await this.queue.removeJobScheduler(id);
  }

  /** The ids of every job scheduler of this queue that start with `prefix`. */
  async schedulerIds(prefix: string): Promise<string[]> {
    await this.ready();
    const schedulers = await this.queue.getJobSchedulers(0, -1);
    return schedulers.map((scheduler) => scheduler.key).filter((key) => key.startsWith(prefix));
  }

  /** The cron pattern of the job scheduler `id`, or `undefined`. */
  async scheduled(id: string): Promise<string | undefined> {
    await this.ready();
    return (await this.queue.getJobScheduler(id))?.pattern ?? undefined;
  }

  /**
   * Jobs of this queue per state (`waiting`, `active`, `delayed`, `failed`, `prioritized`,
   * `waiting-children`), for metrics. Throws `RedisUnavailableError` fast when Redis is away.
   */
  async counts(): Promise<Record<string, number>> {
    await this.ready();
    return this.queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'failed',
      'prioritized',
      'waiting-children',
    );
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.client.disconnect();
  }

  private async ready(): Promise<void> {
    if (this.client.status === 'ready') return;
    const ready = await new Promise<boolean>((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(value);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), this.readyTimeoutMs);
      this.client.once('ready', onReady);
    });
    if (!ready) throw new RedisUnavailableError(`redis is not reachable (${this.client.status})`);
  }
}
