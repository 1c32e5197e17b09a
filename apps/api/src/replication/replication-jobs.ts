import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { describeRedisUrl, JobQueue, JOBS, QUEUES } from '@berth/jobs';

export interface ReplicationJobsSettings {
  redisUrl: string;
  queuePrefix: string;
}

/**
 * The api's side of the replication queue. An execution is a row first; without Redis the
 * enqueue answers `false` and the execution stays pending for the worker's reconciler.
 */
export class ReplicationJobs implements OnModuleDestroy {
  private readonly logger = new Logger('replication');
  private queue: JobQueue | undefined;

  constructor(private readonly settings: ReplicationJobsSettings) {}

  async enqueueExecution(executionId: string): Promise<boolean> {
    try {
      this.queue ??= JobQueue.open(QUEUES.replication, {
        redisUrl: this.settings.redisUrl,
        prefix: this.settings.queuePrefix,
        role: 'producer',
        onError: () => undefined,
      });
      await this.queue.enqueue(JOBS.replicationExecute, { executionId });
      return true;
    } catch {
      this.logger.warn({
        message: 'background jobs wait for redis; the execution stays pending',
        redisUrl: describeRedisUrl(this.settings.redisUrl),
        executionId,
      });
      return false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue?.close();
  }
}
