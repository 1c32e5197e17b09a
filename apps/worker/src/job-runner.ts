import { Logger } from '@nestjs/common';
import {
  describeRedisUrl,
  JobQueue,
  JobWorker,
  probeRedis,
  reconnectDelay,
  type HandlerTable,
} from '@berth/jobs';
import type { WorkerSettings } from './worker-settings.js';

/**
 * Connects the worker to Redis and keeps it connected. Without Redis the process keeps running:
 * it says once, as a warning, that background jobs wait for Redis (with the URL, never the
 * password), retries with back-off, and starts taking jobs when Redis answers. An outage later
 * is reported the same way, once, and so is the recovery.
 */
export class JobRunner {
  private readonly logger = new Logger('worker');
  private readonly stopping = new AbortController();
  private worker: JobWorker | undefined;
  private jobQueue: JobQueue | undefined;
  private connecting: Promise<void> | undefined;
  private readonly connectedListeners: (() => void)[] = [];

  constructor(
    private readonly settings: WorkerSettings,
    private readonly handlers: HandlerTable,
    /** Jobs of this queue run at once in this process. */
    private readonly concurrency = 1,
    /**
     * Whether the wait for Redis was reported; shared by the runners of one process, so that an
     * outage is reported once, not once per queue.
     */
    private readonly notice: RedisNotice = { waiting: false },
  ) {}

  /** The queue, while Redis is reachable (for re-enqueueing and schedules). */
  get queue(): JobQueue | undefined {
    return this.jobQueue?.connected ? this.jobQueue : undefined;
  }

  /** Called each time the worker (re)gains Redis. */
  onConnected(listener: () => void): void {
    this.connectedListeners.push(listener);
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    this.connecting = this.connect().catch((error: unknown) => {
      if (!this.stopping.signal.aborted)
        this.logger.error({ message: 'job runner stopped', error: messageOf(error) });
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.connecting;
    await this.worker?.close();
    await this.jobQueue?.close();
  }

  private async connect(): Promise<void> {
    await this.waitForRedis();
    if (this.stopping.signal.aborted) return;
    const { redisUrl, queuePrefix: prefix } = this.settings;
    this.jobQueue = JobQueue.open(this.handlers.queue, {
      redisUrl,
      prefix,
      role: 'worker',
      onError: (error) => this.lostRedis(error),
      onReady: () => this.gainedRedis(),
    });
    this.worker = new JobWorker({
      redisUrl,
      prefix,
      handlers: this.handlers,
      concurrency: this.concurrency,
      lockMs: this.settings.jobLockMs,
      onError: (error) => this.lostRedis(error),
      onFailed: (job, error) =>
        this.logger.error({ message: 'job failed', job: job.name, jobId: job.id, error: error.message }),
    });
    await this.worker.ready();
    this.logger.log({
      message: 'worker taking jobs',
      queue: this.handlers.queue,
      jobs: this.handlers.names(),
      redisUrl: describeRedisUrl(redisUrl),
    });
    this.gainedRedis();
  }

  private async waitForRedis(): Promise<void> {
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      const probe = await probeRedis(this.settings.redisUrl);
      if (probe.ok) return;
      const delay = reconnectDelay(attempt + 1);
      if (!this.notice.waiting) {
        this.notice.waiting = true;
        this.logger.warn({
          message: 'background jobs wait for redis; retrying',
          redisUrl: describeRedisUrl(this.settings.redisUrl),
          reason: probe.reason,
        });
      } else {
        this.logger.debug({ message: 'redis still unreachable', reason: probe.reason, retryInMs: delay });
      }
      await sleep(delay, this.stopping.signal);
    }
  }

  private lostRedis(error: Error): void {
    if (this.notice.waiting || this.stopping.signal.aborted) return;
    this.notice.waiting = true;
    this.logger.warn({
      message: 'background jobs wait for redis; retrying',
      redisUrl: describeRedisUrl(this.settings.redisUrl),
      reason: error.message,
    });
  }

  private gainedRedis(): void {
    if (this.notice.waiting) this.logger.log({ message: 'redis reachable; background jobs resume' });
    this.notice.waiting = false;
    for (const listener of this.connectedListeners) listener();
  }
}

/** Shared state of the Redis outage report (see `JobRunner`). */
export interface RedisNotice {
  waiting: boolean;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
