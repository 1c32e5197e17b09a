import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ReplicationPolicyRecord } from '@berth/db';
import { describeRedisUrl, JobQueue, JOBS, QUEUES, replicationScheduleId } from '@berth/jobs';

export interface ReplicationJobsSettings {
  redisUrl: string;
  queuePrefix: string;
}

/**
 * The api's side of the replication queue. Nothing here waits for Redis or throws: an execution
 * is a row first (without Redis it stays pending, and the worker's reconciler enqueues it), and
 * a policy's schedule is re-synced by the worker's reconciler. A Redis outage is logged once,
 * not once per push.
 */
export class ReplicationJobs implements OnModuleDestroy {
  private readonly logger = new Logger('replication');
  private queue: JobQueue | undefined;
  private redisAway = false;

  constructor(private readonly settings: ReplicationJobsSettings) {}

  /** `false`: not enqueued now (the reconciler will). */
  async enqueueExecution(executionId: string): Promise<boolean> {
    return this.attempt(
      (queue) => queue.enqueue(JOBS.replicationExecute, { executionId }),
      'the execution stays pending',
      { executionId },
    );
  }

  /**
   * Brings the policy's job scheduler in line with it: one for an enabled policy with a
   * `scheduled` trigger, none otherwise (`undefined`: the policy was deleted).
   */
  async syncSchedule(policyId: string, policy: ReplicationPolicyRecord | undefined): Promise<boolean> {
    const id = replicationScheduleId(policyId);
    const cron = policy?.enabled && policy.trigger.type === 'scheduled' ? policy.trigger.cron : null;
    return this.attempt(
      (queue) =>
        cron === null
          ? queue.unschedule(id)
          : queue.schedule(id, cron, JOBS.replicationScheduled, { policyId }),
      'the worker syncs the schedule later',
      { policyId },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue?.close();
  }

  private async attempt(
    work: (queue: JobQueue) => Promise<unknown>,
    consequence: string,
    context: Record<string, string>,
  ): Promise<boolean> {
    try {
      this.queue ??= JobQueue.open(QUEUES.replication, {
        redisUrl: this.settings.redisUrl,
        prefix: this.settings.queuePrefix,
        role: 'producer',
        onError: () => undefined,
      });
      await work(this.queue);
      if (this.redisAway) this.logger.log({ message: 'redis reachable again; replication jobs enqueued' });
      this.redisAway = false;
      return true;
    } catch (error) {
      if (!this.redisAway) {
        this.logger.warn({
          message: `background jobs wait for redis; ${consequence}`,
          redisUrl: describeRedisUrl(this.settings.redisUrl),
          error: error instanceof Error ? error.message : String(error),
          ...context,
        });
      }
      this.redisAway = true;
      return false;
    }
  }
}
