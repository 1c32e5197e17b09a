import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from '@berth/db';
import type { StorageDriver } from '@berth/storage';
import { HealthController } from './health.controller.js';
import { RegistryModule } from './registry.module.js';
import { AdminModule } from './admin/admin.module.js';
import type { AuthorizerSettings } from './auth/v2-authorizer.js';

@Module({})
export class AppModule {
  static register(dataSource: DataSource, storage: StorageDriver, auth: AuthorizerSettings): DynamicModule {
    const registry = RegistryModule.register(dataSource, storage, auth);
    return {
      module: AppModule,
      imports: [registry, AdminModule.register(dataSource, { service: auth.service })],
      controllers: [HealthController],
    };
  }
}
