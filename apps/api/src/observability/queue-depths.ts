import { JobQueue, QUEUES, type QueueName } from '@berth/jobs';

export interface QueueDepthSnapshot {
  /** Whether Redis answered this time. */
  redisUp: boolean;
  /** Jobs per queue and state; empty when Redis is down. */
  counts: { queue: QueueName; state: string; jobs: number }[];
}

export interface QueueDepthsOptions {
  redisUrl: string;
  queuePrefix: string;
  /** A scrape waits this long for Redis at most (default 1 s). */
  timeoutMs?: number;
  /** Scrapes within this long of the last answer reuse it (default 5 s). */
  cacheMs?: number;
}

/**
 * The depth of the BullMQ queues for `/metrics`, read at scrape time with a short timeout and
 * kept for a few seconds, so neither a missing Redis nor frequent scrapes make a scrape hang or
 * load Redis. Concurrent scrapes share one read.
 */
export class QueueDepths {
  private queues: JobQueue[] | undefined;
  private cached: { at: number; snapshot: QueueDepthSnapshot } | undefined;
  private reading: Promise<QueueDepthSnapshot> | undefined;

  constructor(private readonly options: QueueDepthsOptions) {}

  snapshot(now = Date.now()): Promise<QueueDepthSnapshot> {
    if (this.cached && now - this.cached.at < (this.options.cacheMs ?? 5_000)) {
      return Promise.resolve(this.cached.snapshot);
    }
    this.reading ??= this.read()
      .then((snapshot) => {
        this.cached = { at: Date.now(), snapshot };
        return snapshot;
      })
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  async close(): Promise<void> {
    await Promise.all((this.queues ?? []).map((queue) => queue.close()));
    this.queues = undefined;
  }

  private async read(): Promise<QueueDepthSnapshot> {
    const timeoutMs = this.options.timeoutMs ?? 1_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)),
    );
    try {
      const read = Promise.all(
        this.open(timeoutMs).map(async (queue) => ({ queue: queue.name, counts: await queue.counts() })),
      );
      const result = await Promise.race([read.catch(() => undefined), timeout]);
      if (!result) return { redisUp: false, counts: [] };
      return {
        redisUp: true,
        counts: result.flatMap(({ queue, counts }) =>
          Object.entries(counts).map(([state, jobs]) => ({ queue, state, jobs })),
        ),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private open(timeoutMs: number): JobQueue[] {
    this.queues ??= (Object.values(QUEUES) as QueueName[]).map((name) =>
      JobQueue.open(name, {
        redisUrl: this.options.redisUrl,
        prefix: this.options.queuePrefix,
        role: 'producer',
        readyTimeoutMs: timeoutMs,
        // `berth_redis_up` reports it; reconnects are silent.
        onError: () => undefined,
      }),
    );
    return this.queues;
  }
}
