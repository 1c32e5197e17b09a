import { Module, type DynamicModule } from '@nestjs/common';
import { type DataSource, TypeormAuditRecords } from '@berth/db';
import { RegistryAudit, RegistryEvents } from '@berth/registry';
import { RegistryAuditListener } from './registry-audit.listener.js';

export interface AuditSettings {
  /** BERTH_AUDIT_PULL_WINDOW_SECONDS: pulls of one artifact by one client in a window are one row. */
  pullWindowSeconds: number;
  /** How often buffered events are written (default 1 s). */
  flushMs?: number;
}

/** The audit trail of registry activity: pushes, deletes and aggregated pulls from the event bus. */
@Module({})
export class AuditModule {
  static register(registry: DynamicModule, dataSource: DataSource, settings: AuditSettings): DynamicModule {
    const audit = new RegistryAudit(new TypeormAuditRecords(dataSource), {
      pullWindowMs: settings.pullWindowSeconds * 1000,
    });
    return {
      module: AuditModule,
      imports: [registry],
      providers: [
        {
          provide: RegistryAuditListener,
          useFactory: (events: RegistryEvents) =>
            new RegistryAuditListener(events, audit, settings.flushMs ?? 1_000),
          inject: [RegistryEvents],
        },
      ],
    };
  }
}
