import { Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  describeRedisUrl,
  JobQueue,
  JOBS,
  QUEUES,
  RedisUnavailableError,
  SCHEDULES,
  type GcSchedule,
} from '@berth/jobs';

export interface GcJobsSettings {
  redisUrl: string;
  queuePrefix: string;
}

/**
 * The api's side of the job queue, for garbage collection. It connects on first use and never
 * makes a request wait for Redis: without Redis an enqueue reports `false` at once, and the
 * worker picks the pending run up from PostgreSQL when Redis is back.
 */
export class GcJobs implements OnModuleDestroy {
  private readonly logger = new Logger('gc');
  private queue: JobQueue | undefined;
  private warned = false;

  constructor(private readonly settings: GcJobsSettings) {}

  /** Enqueues `gc.run` for a new run; `false` when Redis is not reachable now. */
  async enqueueRun(runId: string): Promise<boolean> {
    return this.attempt(async (queue) => {
      await queue.enqueue(JOBS.gcRun, { runId });
    });
  }

  /** Applies the schedule to the job scheduler now (the worker also does, within a minute). */
  async applySchedule(schedule: GcSchedule): Promise<boolean> {
    return this.attempt(async (queue) => {
      if (schedule.cron === null) await queue.unschedule(SCHEDULES.gc);
      else await queue.schedule(SCHEDULES.gc, schedule.cron, JOBS.gcScheduled, {});
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue?.close();
  }

  /**
   * Any Redis failure is an answer of `false`, never a failed request: the run is already a row,
   * and the worker re-enqueues pending runs when it reaches Redis.
   */
  private async attempt(action: (queue: JobQueue) => Promise<void>): Promise<boolean> {
    try {
      await action(this.open());
      this.warned = false;
      return true;
    } catch (error) {
      if (!this.warned) {
        this.warned = true;
        this.logger.warn({
          message: 'background jobs wait for redis; gc runs stay pending until the worker reaches it',
          redisUrl: describeRedisUrl(this.settings.redisUrl),
          reason:
            error instanceof RedisUnavailableError || !(error instanceof Error) ? undefined : error.message,
        });
      }
      return false;
    }
  }

  private open(): JobQueue {
    this.queue ??= JobQueue.open(QUEUES.maintenance, {
      redisUrl: this.settings.redisUrl,
      prefix: this.settings.queuePrefix,
      role: 'producer',
      // Reported once, by `attempt`, when a request needs Redis; reconnects are silent.
      onError: () => undefined,
    });
    return this.queue;
  }
}
