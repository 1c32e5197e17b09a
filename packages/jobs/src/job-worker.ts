import type { Job, RedisOptions as BullRedisOptions, Worker } from 'bullmq';
import { redisOptions } from './connection.js';
import { bullmq } from './lazy-modules.js';
import { parsePayload } from './contract.js';
import type { HandlerTable } from './handlers.js';

export interface JobWorkerOptions {
  redisUrl: string;
  prefix: string;
  handlers: HandlerTable;
  /** Jobs run at once by this process (default 1). */
  concurrency?: number;
  /**
   * How long a job stays locked to this process without a renewal, and how often stalled jobs
   * are looked for (BullMQ's default: 30 s each). A job whose worker died is run again after
   * about this long, even when it died before its handler recorded anything.
   */
  lockMs?: number;
  /** Connection errors, reported on every reconnect attempt while Redis is away. */
  onError?: (error: Error) => void;
  /** A job whose handler threw (it is not retried: handlers record their own failures). */
  onFailed?: (job: { id: string | undefined; name: string }, error: Error) => void;
}

/** The consumer side of one queue: runs each job with the one handler the table holds for it. */
export class JobWorker {
  private readonly abort = new AbortController();
  private readonly worker: Worker;

  constructor(options: JobWorkerOptions) {
    const { handlers } = options;
    this.worker = new (bullmq().Worker)(handlers.queue, (job: Job) => this.process(handlers, job), {
      connection: redisOptions(options.redisUrl, 'worker') as BullRedisOptions,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 1,
      ...(options.lockMs !== undefined && { lockDuration: options.lockMs, stalledInterval: options.lockMs }),
    });
    this.worker.on('error', (error) => options.onError?.(error));
    this.worker.on('failed', (job, error) => {
      if (job) options.onFailed?.({ id: job.id, name: job.name }, error);
    });
  }

  /** Resolves once the worker is connected and taking jobs. */
  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /**
   * Stops taking jobs and waits for the running ones; their handlers see `signal` aborted and
   * are expected to stop at the next safe point and leave their work resumable.
   */
  async close(): Promise<void> {
    this.abort.abort();
    await this.worker.close();
  }

  private async process(handlers: HandlerTable, job: Job): Promise<void> {
    const entry = handlers.get(job.name);
    // A job from a newer producer: failing it is better than retrying it forever.
    if (!entry) throw new (bullmq().UnrecoverableError)(`no handler for job ${job.name}`);
    const payload = parsePayload(entry.name, job.data);
    const handle = entry.handle as (payload: unknown, context: unknown) => Promise<void>;
    await handle(payload, { jobId: job.id, signal: this.abort.signal });
  }
}
