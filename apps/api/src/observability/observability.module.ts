import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from '@berth/db';
import { RegistryEvents } from '@berth/registry';
import type { StorageDriver } from '@berth/storage';
import { ApiMetrics } from './api-metrics.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { QueueDepths } from './queue-depths.js';
import { ReadinessProbe } from './readiness.probe.js';

export interface ObservabilitySettings {
  redisUrl: string;
  queuePrefix: string;
}

/** Feeds the registry events into the metrics, adds the scrape-time gauges, and closes Redis. */
class MetricsWiring implements OnModuleInit, OnApplicationShutdown {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly metrics: ApiMetrics,
    private readonly events: RegistryEvents,
    private readonly queues: QueueDepths,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => {
      this.metrics.event(event.kind);
      if (event.kind === 'blob.uploaded') {
        this.metrics.uploadCompleted();
        this.metrics.bytesReceived(event.size);
      }
    });
    this.metrics.gauge(
      'berth_redis_up',
      'Whether Redis answered the last queue read (1) or not (0).',
      [],
      async (gauge) => {
        gauge.set((await this.queues.snapshot()).redisUp ? 1 : 0);
      },
    );
    this.metrics.gauge(
      'berth_queue_jobs',
      'Jobs in the BullMQ queues by state; absent while Redis is down (see berth_redis_up).',
      ['queue', 'state'],
      async (gauge) => {
        gauge.reset();
        for (const { queue, state, jobs } of (await this.queues.snapshot()).counts) {
          gauge.labels(queue, state).set(jobs);
        }
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.queues.close();
  }
}

/** `/metrics` and `/api/v1/health`, without authentication. */
@Module({})
export class ObservabilityModule {
  static register(
    registry: DynamicModule,
    storage: StorageDriver,
    settings: ObservabilitySettings,
  ): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [registry],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: ApiMetrics, useValue: new ApiMetrics() },
        { provide: QueueDepths, useValue: new QueueDepths(settings) },
        {
          provide: ReadinessProbe,
          useFactory: (db: DataSource) => new ReadinessProbe(db, storage, { redisUrl: settings.redisUrl }),
          inject: [DataSource],
        },
        {
          provide: MetricsWiring,
          useFactory: (metrics: ApiMetrics, events: RegistryEvents, queues: QueueDepths) =>
            new MetricsWiring(metrics, events, queues),
          inject: [ApiMetrics, RegistryEvents, QueueDepths],
        },
      ],
      exports: [ApiMetrics],
    };
  }
}
