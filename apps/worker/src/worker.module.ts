import {
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  CredentialCipher,
  type DataSource,
  TypeormAuditRecords,
  TypeormLoginFailureRecords,
  TypeormRefreshTokenRecords,
  TypeormGcRecords,
  TypeormGcRunRecords,
  TypeormRegistryRecords,
  TypeormReplicationExecutionRecords,
  TypeormReplicationPolicyRecords,
  TypeormRepositoryRecords,
  TypeormRobotRecords,
  TypeormSystemSettings,
  TypeormUploadRecords,
} from '@berth/db';
import {
  defineHandlers,
  handler,
  HandlerTable,
  JobContractError,
  JOBS,
  QUEUES,
  type QueueName,
} from '@berth/jobs';
import type { StorageDriver } from '@berth/storage';
import { AuditPurgeProcessor } from './audit-purge.processor.js';
import { GcRunProcessor } from './gc-run.processor.js';
import { GcScheduledProcessor } from './gc-scheduled.processor.js';
import { JobRunner, type RedisNotice } from './job-runner.js';
import { Reconciler } from './reconciler.js';
import { ReplicationRecovery, ReplicationProcessor } from './replication.processor.js';
import { ReplicationRobot } from './replication-robot.js';
import { ReplicationScheduledProcessor } from './replication-scheduled.processor.js';
import { ReplicationSchedules } from './replication-schedules.js';
import { UploadsPurgeProcessor } from './uploads-purge.processor.js';
import type { WorkerSettings } from './worker-settings.js';

/** Starts taking jobs once the application context is up, and stops before it closes. */
class WorkerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly runners: readonly JobRunner[],
    private readonly reconciler: Reconciler,
  ) {}

  onApplicationBootstrap(): void {
    for (const runner of this.runners) runner.start();
    this.reconciler.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reconciler.stop();
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}

/** The boot check across queues: every queue of the contract has exactly one handler table. */
export function checkQueues(tables: readonly HandlerTable[]): void {
  const problems: string[] = [];
  for (const queue of Object.values(QUEUES) as QueueName[]) {
    const count = tables.filter((table) => table.queue === queue).length;
    if (count !== 1) problems.push(`${queue}: ${count} handler tables`);
  }
  if (problems.length > 0)
    throw new JobContractError(`worker queues do not match the contract: ${problems.join('; ')}`);
}

/**
 * The worker: no HTTP, only BullMQ processors, each a few lines around a library function of
 * `@berth/registry`. Building the module checks the handler table against the queue contract:
 * a job without a handler, or with two, stops the worker at boot.
 */
@Module({})
export class WorkerModule {
  static register(
    dataSource: DataSource,
    storage: StorageDriver,
    settings: WorkerSettings,
    /** The 32-byte BERTH_SECRET_KEY, to decrypt remote registries' credentials. */
    secretKey: Buffer,
  ): DynamicModule {
    const runs = new TypeormGcRunRecords(dataSource);
    const systemSettings = new TypeormSystemSettings(dataSource);
    const gcRun = new GcRunProcessor(runs, new TypeormGcRecords(dataSource), storage, {
      heartbeatMs: settings.heartbeatMs,
      batchSize: settings.gcBatchSize,
    });
    const gcScheduled = new GcScheduledProcessor(runs, systemSettings, gcRun, settings.gcGraceSeconds);
    const purge = new UploadsPurgeProcessor(
      new TypeormUploadRecords(dataSource),
      storage,
      settings.uploadMaxAgeSeconds,
    );
    const auditPurge = new AuditPurgeProcessor(
      {
        audit: new TypeormAuditRecords(dataSource),
        refreshTokens: new TypeormRefreshTokenRecords(dataSource),
        loginFailures: new TypeormLoginFailureRecords(dataSource),
        settings: systemSettings,
      },
      settings.auditRetentionDays,
    );
    const handlers = defineHandlers(QUEUES.maintenance, [
      handler(JOBS.gcRun, (payload, context) => gcRun.run(payload, context)),
      handler(JOBS.gcScheduled, (_payload, context) => gcScheduled.run(context)),
      handler(JOBS.uploadsPurge, () => purge.run()),
      handler(JOBS.auditPurge, () => auditPurge.run()),
    ]);
    const notice: RedisNotice = { waiting: false };
    const runner = new JobRunner(settings, handlers, 1, notice);

    const executions = new TypeormReplicationExecutionRecords(dataSource);
    const policies = new TypeormReplicationPolicyRecords(dataSource);
    // The processor enqueues tasks on the queue of the runner that runs it (created below).
    const replicationRunners: JobRunner[] = [];
    const replicationQueue = () => replicationRunners[0]?.queue;
    const replication = new ReplicationProcessor(
      new TypeormRegistryRecords(dataSource, new CredentialCipher(secretKey)),
      policies,
      executions,
      new TypeormRepositoryRecords(dataSource),
      new ReplicationRobot(new TypeormRobotRecords(dataSource), secretKey),
      replicationQueue,
      { publicUrl: settings.publicUrl, heartbeatMs: settings.heartbeatMs },
    );
    const replicationScheduled = new ReplicationScheduledProcessor(policies, executions, replication);
    const replicationHandlers = defineHandlers(QUEUES.replication, [
      handler(JOBS.replicationExecute, (payload) => replication.execute(payload)),
      handler(JOBS.replicationTask, (payload, context) => replication.task(payload, context)),
      handler(JOBS.replicationScheduled, (payload, context) => replicationScheduled.run(payload, context)),
    ]);
    checkQueues([handlers, replicationHandlers]);
    const replicationRunner = new JobRunner(
      settings,
      replicationHandlers,
      settings.replicationConcurrency,
      notice,
    );
    replicationRunners.push(replicationRunner);

    const reconciler = new Reconciler(runs, systemSettings, runner, settings, [
      new ReplicationRecovery(executions, replicationQueue, settings.staleSeconds),
      new ReplicationSchedules(policies, replicationQueue),
    ]);
    replicationRunner.onConnected(() => void reconciler.tick());
    return {
      module: WorkerModule,
      providers: [
        { provide: HandlerTable, useValue: handlers },
        { provide: JobRunner, useValue: runner },
        { provide: Reconciler, useValue: reconciler },
        {
          provide: WorkerLifecycle,
          useValue: new WorkerLifecycle([runner, replicationRunner], reconciler),
        },
      ],
    };
  }
}
