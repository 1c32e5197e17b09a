import {
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  type DataSource,
  TypeormGcRecords,
  TypeormGcRunRecords,
  TypeormSystemSettings,
  TypeormUploadRecords,
} from '@berth/db';
import { defineHandlers, handler, HandlerTable, JOBS, QUEUES } from '@berth/jobs';
import type { StorageDriver } from '@berth/storage';
import { GcRunProcessor } from './gc-run.processor.js';
import { GcScheduledProcessor } from './gc-scheduled.processor.js';
import { JobRunner } from './job-runner.js';
import { Reconciler } from './reconciler.js';
import { UploadsPurgeProcessor } from './uploads-purge.processor.js';
import type { WorkerSettings } from './worker-settings.js';

/** Starts taking jobs once the application context is up, and stops before it closes. */
class WorkerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly runner: JobRunner,
    private readonly reconciler: Reconciler,
  ) {}

  onApplicationBootstrap(): void {
    this.runner.start();
    this.reconciler.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reconciler.stop();
    await this.runner.stop();
  }
}

/**
 * The worker: no HTTP, only BullMQ processors, each a few lines around a library function of
 * `@berth/registry`. Building the module checks the handler table against the queue contract:
 * a job without a handler, or with two, stops the worker at boot.
 */
@Module({})
export class WorkerModule {
  static register(dataSource: DataSource, storage: StorageDriver, settings: WorkerSettings): DynamicModule {
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
    const handlers = defineHandlers(QUEUES.maintenance, [
      handler(JOBS.gcRun, (payload, context) => gcRun.run(payload, context)),
      handler(JOBS.gcScheduled, (_payload, context) => gcScheduled.run(context)),
      handler(JOBS.uploadsPurge, () => purge.run()),
    ]);
    const runner = new JobRunner(settings, handlers);
    const reconciler = new Reconciler(runs, systemSettings, runner, settings);
    return {
      module: WorkerModule,
      providers: [
        { provide: HandlerTable, useValue: handlers },
        { provide: JobRunner, useValue: runner },
        { provide: Reconciler, useValue: reconciler },
        { provide: WorkerLifecycle, useValue: new WorkerLifecycle(runner, reconciler) },
      ],
    };
  }
}
