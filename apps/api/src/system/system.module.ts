import { Module, type DynamicModule } from '@nestjs/common';
import { Authenticator } from '@berth/auth';
import {
  AuditRecords,
  type DataSource,
  GcRunRecords,
  SystemSettings,
  TypeormAuditRecords,
  TypeormGcRunRecords,
  TypeormLoginFailureRecords,
  TypeormRobotRecords,
  TypeormSigningKeyRecords,
  TypeormSystemSettings,
  TypeormUserRecords,
} from '@berth/db';
import { AdminAuthGuard } from '../admin/admin-auth.guard.js';
import { AuditTrail } from '../admin/audit.trail.js';
import { CallerResolver } from '../admin/caller.resolver.js';
import { PagingInterceptor } from '../admin/paging.interceptor.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { SubjectDirectory } from '../auth/subject-directory.js';
import { TokenKeys } from '../auth/token-keys.js';
import { AuditRetentionController } from './audit-retention.controller.js';
import { AuditRetentionDefaults, AuditRetentionService } from './audit-retention.service.js';
import { GcController } from './gc.controller.js';
import { SystemInfo, SystemInfoController } from './system-info.controller.js';
import { GcJobs } from './gc-jobs.js';
import { GcDefaults, GcService } from './gc.service.js';

export interface SystemApiSettings {
  /** The registry's token `service` (the audience of the tokens accepted as Bearer). */
  service: string;
  /** The token realm clients are sent to. */
  realm: string;
  /** The storage driver's name (`filesystem`, `inmemory`). */
  storageDriver: string;
  redisUrl: string;
  queuePrefix: string;
  /** BERTH_GC_GRACE_SECONDS: the grace window of a run that does not name one. */
  gcGraceSeconds: number;
  /** BERTH_AUDIT_RETENTION_DAYS: the audit retention until an administrator sets one. */
  auditRetentionDays: number;
}

/**
 * /api/v1/system: garbage collection runs and schedule (the api is the producer of the worker's
 * jobs). Authentication and audit work as in the admin API.
 */
@Module({})
export class SystemModule {
  static register(dataSource: DataSource, settings: SystemApiSettings): DynamicModule {
    const users = new TypeormUserRecords(dataSource);
    const robots = new TypeormRobotRecords(dataSource);
    const audit = new TypeormAuditRecords(dataSource);
    const authenticator = new Authenticator(users, robots, new TypeormLoginFailureRecords(dataSource));
    const resolver = new CallerResolver(
      authenticator,
      new TokenKeys(new TypeormSigningKeyRecords(dataSource)),
      new SubjectDirectory(users, robots),
      audit,
      settings.service,
    );
    return {
      module: SystemModule,
      controllers: [GcController, SystemInfoController, AuditRetentionController],
      providers: [
        { provide: CallerResolver, useValue: resolver },
        {
          provide: SystemInfo,
          useValue: new SystemInfo(settings.storageDriver, settings.service, settings.realm),
        },
        { provide: AuditRecords, useValue: audit },
        { provide: AuditTrail, useValue: new AuditTrail(audit) },
        { provide: GcRunRecords, useValue: new TypeormGcRunRecords(dataSource) },
        { provide: SystemSettings, useValue: new TypeormSystemSettings(dataSource) },
        { provide: GcJobs, useValue: new GcJobs(settings) },
        { provide: GcDefaults, useValue: new GcDefaults(settings.gcGraceSeconds) },
        {
          provide: AuditRetentionDefaults,
          useValue: new AuditRetentionDefaults(settings.auditRetentionDays),
        },
        AuditRetentionService,
        AdminAuthGuard,
        RecordErrorInterceptor,
        PagingInterceptor,
        GcService,
      ],
    };
  }
}
