import { Module, type DynamicModule } from '@nestjs/common';
import { loadConfig } from '@berth/config';
import type { DataSource } from '@berth/db';
import type { StorageDriver } from '@berth/storage';
import { HealthController } from './health.controller.js';
import { RegistryModule } from './registry.module.js';
import { AdminModule } from './admin/admin.module.js';
import type { AuthorizerSettings } from './auth/v2-authorizer.js';
import { ReplicationModule } from './replication/replication.module.js';
import { SystemModule, type SystemApiSettings } from './system/system.module.js';

@Module({})
export class AppModule {
  /**
   * `jobs`: where the api enqueues background jobs; default from the environment (`loadConfig`).
   * `secretKey`: the resolved BERTH_SECRET_KEY (remote-registry credentials).
   */
  static register(
    dataSource: DataSource,
    storage: StorageDriver,
    auth: AuthorizerSettings,
    secretKey: Buffer,
    jobs: Omit<SystemApiSettings, 'service'> = loadConfig(),
  ): DynamicModule {
    const registry = RegistryModule.register(dataSource, storage, auth);
    const { redisUrl, queuePrefix, gcGraceSeconds } = jobs;
    return {
      module: AppModule,
      imports: [
        registry,
        AdminModule.register(dataSource, { service: auth.service }),
        SystemModule.register(dataSource, { service: auth.service, redisUrl, queuePrefix, gcGraceSeconds }),
        ReplicationModule.register(dataSource, { service: auth.service, redisUrl, queuePrefix, secretKey }),
      ],
      controllers: [HealthController],
    };
  }
}
