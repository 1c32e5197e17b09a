import { Module, type DynamicModule } from '@nestjs/common';
import type { BerthConfig } from '@berth/config';
import type { DataSource } from '@berth/db';
import type { StorageDriver } from '@berth/storage';
import { RegistryModule } from './registry.module.js';
import { AdminModule } from './admin/admin.module.js';
import { ReplicationModule } from './replication/replication.module.js';
import { SystemModule } from './system/system.module.js';
import { AuditModule } from './audit/audit.module.js';
import { LoginAuditModule } from './audit/login-audit.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { ContentModule } from './content/content.module.js';

@Module({})
export class AppModule {
  /** `config` is read once at boot; `secretKey` is the resolved BERTH_SECRET_KEY. */
  static register(
    dataSource: DataSource,
    storage: StorageDriver,
    config: BerthConfig,
    secretKey: Buffer,
  ): DynamicModule {
    const auth = { realm: config.tokenRealm, service: config.tokenService };
    const registry = RegistryModule.register(dataSource, storage, auth);
    const { redisUrl, queuePrefix, gcGraceSeconds } = config;
    return {
      module: AppModule,
      imports: [
        registry,
        AdminModule.register(dataSource, { service: auth.service }),
        SystemModule.register(dataSource, {
          service: auth.service,
          realm: auth.realm,
          storageDriver: storage.name,
          redisUrl,
          queuePrefix,
          gcGraceSeconds,
          auditRetentionDays: config.auditRetentionDays,
        }),
        ReplicationModule.register(
          dataSource,
          { service: auth.service, redisUrl, queuePrefix, secretKey },
          registry,
        ),
        AuditModule.register(registry, dataSource, { pullWindowSeconds: config.auditPullWindowSeconds }),
        LoginAuditModule.register(dataSource, { windowSeconds: config.auditPullWindowSeconds }),
        ObservabilityModule.register(registry, storage, { redisUrl, queuePrefix }),
        ContentModule.register(registry, dataSource, {
          service: auth.service,
          pullFlushMs: config.pullFlushMs,
        }),
      ],
    };
  }
}
