import type { BerthConfig } from '@berth/config';

/** What the worker takes from the configuration, with the intervals derived from it. */
export class WorkerSettings {
  constructor(
    readonly redisUrl: string,
    readonly queuePrefix: string,
    /** A running GC whose heartbeat is older than this is taken as dead (resumed once, then failed). */
    readonly staleSeconds: number,
    readonly gcGraceSeconds: number,
    readonly uploadMaxAgeSeconds: number,
    readonly uploadPurgeCron: string,
    /** Manifests or blobs per GC batch: the grain of progress, heartbeats and stop. */
    readonly gcBatchSize: number,
    /** Berth's public URL: replication reads and writes local repositories through it. */
    readonly publicUrl = 'http://127.0.0.1:5000',
    /** BERTH_AUDIT_RETENTION_DAYS: the audit retention until an administrator sets one (0 keeps all). */
    readonly auditRetentionDays = 90,
    /** When the daily audit purge runs (5-field cron, the worker's time zone). */
    readonly auditPurgeCron = '17 3 * * *',
  ) {}

  static from(config: BerthConfig): WorkerSettings {
    return new WorkerSettings(
      config.redisUrl,
      config.queuePrefix,
      config.workerStaleSeconds,
      config.gcGraceSeconds,
      config.uploadMaxAgeSeconds,
      config.uploadPurgeCron,
      config.gcBatchSize,
      config.publicUrl,
      config.auditRetentionDays,
    );
  }

  /** How often a running GC stamps its heartbeat: several times per stale window, 1–10 s. */
  get heartbeatMs(): number {
    return Math.min(Math.max(Math.floor((this.staleSeconds * 1000) / 6), 1000), 10_000);
  }

  /**
   * BullMQ's lock of a running job (and its stalled-job check): no longer than the stale window,
   * so a job a dead worker had taken but not yet claimed in PostgreSQL runs again as soon as
   * the reconciler's reaping would; at most BullMQ's default of 30 s.
   */
  get jobLockMs(): number {
    return Math.min(this.staleSeconds * 1000, 30_000);
  }

  /** Replication jobs (execute and task) running at once in one worker. */
  get replicationConcurrency(): number {
    return 4;
  }

  /** How often the worker reaps stale runs, re-enqueues lost jobs and syncs schedules: ≤ 1 min. */
  get reconcileMs(): number {
    return Math.min(Math.max(Math.floor((this.staleSeconds * 1000) / 2), 1000), 60_000);
  }
}
