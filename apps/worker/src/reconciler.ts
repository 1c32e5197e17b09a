import { Logger } from '@nestjs/common';
import type { GcRunRecords, SystemSettings } from '@berth/db';
import { JOBS, readGcSchedule, SCHEDULES, SETTINGS, type JobQueue } from '@berth/jobs';
import { messageOf, type JobRunner } from './job-runner.js';
import type { WorkerSettings } from './worker-settings.js';

/**
 * Brings Redis in line with PostgreSQL, at start, when Redis comes back, and every
 * `reconcileMs`:
 * - runs whose worker stopped responding go back to `pending` (once) or end as `failed`, so no
 *   run is left `running`;
 * - pending runs get their job again (the api created the row while Redis was away, or Redis
 *   lost it); the contract's job ids make this a no-op when the job is there;
 * - the GC schedule (a setting), the upload purge schedule (configuration) and the daily audit
 *   purge become BullMQ job schedulers.
 * - replication tasks and executions whose worker died go back to `pending` and get their job
 *   again (`ReplicationRecovery`).
 * Reaping needs only PostgreSQL; the rest waits for Redis.
 */
export class Reconciler {
  private readonly logger = new Logger('worker');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly runs: GcRunRecords,
    private readonly settings: SystemSettings,
    private readonly runner: JobRunner,
    private readonly config: WorkerSettings,
    /** Further passes (replication), each on its own: one failing does not skip the others. */
    private readonly others: readonly { pass(): Promise<void> }[] = [],
  ) {}

  start(): void {
    this.runner.onConnected(() => void this.tick());
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.config.reconcileMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; a pass asked for while one runs follows it. Failures are logged, never thrown. */
  tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass()
      .catch((error: unknown) => this.logger.warn({ message: 'reconcile failed', error: messageOf(error) }))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.tick();
        }
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    for (const other of this.others) {
      await other
        .pass()
        .catch((error: unknown) =>
          this.logger.warn({ message: 'reconcile failed', error: messageOf(error) }),
        );
    }
    for (const reaped of await this.runs.reapStale(this.config.staleSeconds)) {
      if (reaped.status === 'pending') {
        this.logger.warn({ message: 'gc run lost its worker; it will resume', runId: reaped.id });
      } else {
        this.logger.error({ message: 'gc run lost its worker again; marked failed', runId: reaped.id });
      }
    }
    const queue = this.runner.queue;
    if (!queue) return;
    for (const run of await this.runs.pending()) {
      await queue.enqueue(JOBS.gcRun, { runId: run.id }, run.attempts);
    }
    await this.syncSchedules(queue);
  }

  private async syncSchedules(queue: JobQueue): Promise<void> {
    const gc = readGcSchedule(await this.settings.get(SETTINGS.gcSchedule), this.config.gcGraceSeconds);
    if (gc.cron === null) await queue.unschedule(SCHEDULES.gc);
    else await queue.schedule(SCHEDULES.gc, gc.cron, JOBS.gcScheduled, {});
    await queue.schedule(SCHEDULES.uploadsPurge, this.config.uploadPurgeCron, JOBS.uploadsPurge, {});
    await queue.schedule(SCHEDULES.auditPurge, this.config.auditPurgeCron, JOBS.auditPurge, {});
  }
}
