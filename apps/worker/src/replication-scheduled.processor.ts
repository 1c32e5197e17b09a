import { Logger } from '@nestjs/common';
import type { ReplicationExecutionRecords, ReplicationPolicyRecords } from '@berth/db';
import type { JobContext, JobPayloads } from '@berth/jobs';
import type { ReplicationProcessor } from './replication.processor.js';

/**
 * `replication.scheduled`: a policy's schedule fired. Starts an execution (trigger `scheduled`)
 * and resolves it here, unless one of the policy is still pending or running: then the tick is
 * skipped, as Harbor does, with a log line and no execution recorded (a slow mirror on a tight
 * schedule would otherwise pile up executions that all copy the same tags).
 */
export class ReplicationScheduledProcessor {
  private readonly logger = new Logger('replication');

  constructor(
    private readonly policies: ReplicationPolicyRecords,
    private readonly executions: ReplicationExecutionRecords,
    private readonly replication: ReplicationProcessor,
  ) {}

  async run({ policyId }: JobPayloads['replication.scheduled'], context: JobContext): Promise<void> {
    const policy = await this.policies.get(policyId);
    if (!policy?.enabled || policy.trigger.type !== 'scheduled') {
      // Deleted, disabled or no longer scheduled: the reconciler removes the scheduler.
      this.logger.debug({ message: 'schedule of a policy no longer scheduled; ignored', policyId });
      return;
    }
    const outcome = await this.executions.createUnlessActive(policyId, 'scheduled');
    if ('activeId' in outcome) {
      this.logger.log({
        message: 'scheduled replication skipped: an execution of the policy is still pending or running',
        policyId,
        activeId: outcome.activeId,
      });
      return;
    }
    this.logger.log({
      message: 'scheduled replication execution created',
      policyId,
      executionId: outcome.id,
    });
    if (context.signal.aborted) return; // pending: the reconciler enqueues it
    await this.replication.execute({ executionId: outcome.id });
  }
}
