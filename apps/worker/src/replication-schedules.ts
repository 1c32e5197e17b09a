import { Logger } from '@nestjs/common';
import type { ReplicationPolicyRecords } from '@berth/db';
import {
  cronProblem,
  JOBS,
  REPLICATION_SCHEDULE_PREFIX,
  replicationScheduleId,
  type JobQueue,
} from '@berth/jobs';

/**
 * The schedules of replication policies as BullMQ job schedulers, part of every reconcile pass
 * (at start, when Redis comes back, and periodically): one scheduler per enabled policy with a
 * `scheduled` trigger, and none for any other policy. The api also updates a policy's scheduler
 * when it changes; this pass repairs what it could not do (Redis away, another api replica, a
 * policy deleted while the api was down).
 */
export class ReplicationSchedules {
  private readonly logger = new Logger('replication');
  /** Policies whose stored cron was reported unschedulable (once each, not every pass). */
  private readonly reported = new Set<string>();

  constructor(
    private readonly policies: ReplicationPolicyRecords,
    private readonly queue: () => JobQueue | undefined,
  ) {}

  async pass(): Promise<void> {
    const queue = this.queue();
    if (!queue) return;
    const wanted = new Set<string>();
    for (const policy of await this.policies.enabledWithTrigger('scheduled')) {
      const cron = policy.trigger.cron;
      const problem = cron === null ? 'no cron pattern' : cronProblem(cron);
      if (problem !== undefined) {
        if (!this.reported.has(policy.id)) {
          this.reported.add(policy.id);
          this.logger.warn({
            message: 'replication policy not scheduled: bad cron',
            policyId: policy.id,
            problem,
          });
        }
        continue;
      }
      const id = replicationScheduleId(policy.id);
      wanted.add(id);
      await queue.schedule(id, cron!, JOBS.replicationScheduled, { policyId: policy.id });
    }
    for (const id of await queue.schedulerIds(REPLICATION_SCHEDULE_PREFIX)) {
      if (wanted.has(id)) continue;
      await queue.unschedule(id);
      this.logger.log({ message: 'replication schedule removed', scheduler: id });
    }
  }
}
